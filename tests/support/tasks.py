"""Test-only tasks, loaded into real workers with ``WORKER_EXTRA_IMPORTS=tests.support.tasks``.

They are routed like production tasks (``ocr.`` prefix -> queue ``ocr``) and record what happened in a
directory given by the caller, so a test can count executions across crashes and restarts.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import structlog
from celery import shared_task
from pydantic import BaseModel, Field

from shared.errors import TransientError

log = structlog.get_logger(__name__)


class StrictPayload(BaseModel):
    cui: str = Field(pattern=r"^[0-9]{2,10}$")
    amount: float = Field(gt=0)


def _mark(directory: str, name: str) -> int:
    """Append one line to ``<directory>/<name>`` and return how many lines it has now."""
    path = Path(directory) / name
    with path.open("a") as fh:
        fh.write(f"{os.getpid()} {time.time()}\n")
    return len(path.read_text().splitlines())


@shared_task(name="ocr.test.sleep", bind=True)
def sleep_task(self: Any, seconds: float, marker_dir: str, key: str) -> dict[str, Any]:
    starts = _mark(marker_dir, f"{key}.start")
    log.info("sleeping", seconds=seconds, attempt=starts)
    time.sleep(seconds)
    _mark(marker_dir, f"{key}.done")
    return {"key": key, "starts": starts}


@shared_task(name="ocr.test.strict", bind=True)
def strict_task(self: Any, **kwargs: Any) -> dict[str, Any]:
    payload = StrictPayload.model_validate(kwargs)
    return payload.model_dump()


@shared_task(name="ocr.test.flaky", bind=True)
def flaky_task(self: Any, marker_dir: str, key: str, fail_times: int) -> dict[str, Any]:
    attempt = _mark(marker_dir, key)
    if attempt <= fail_times:
        raise TransientError(f"attempt {attempt} failed on purpose", retry_after=0.2 if attempt == 1 else None)
    return {"attempts": attempt}


@shared_task(name="ocr.test.crash", bind=True)
def crash_task(self: Any, marker_dir: str, key: str) -> None:
    _mark(marker_dir, key)
    os._exit(13)  # a pool child dying mid-task (segfault, OOM kill)


@shared_task(name="ocr.test.event", bind=True)
def event_task(self: Any, value: str) -> dict[str, Any]:
    event = self.app.conf.workers_core_publisher.publish("ocr.test.happened", {"value": value})
    log.info("event task done", value=value)
    return {"event_id": event.id}


@shared_task(name="ocr.test.noop")
def noop_task() -> None:
    return None
