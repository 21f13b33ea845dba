"""Poison messages (issue 20 F4, F5): dead-lettered with their reason, never dropped, never left non-final."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from kombu import Connection, Producer

from celeryconfig import QUEUES, TASK_EXCHANGE
from tests.support.faults import drain, wait_until


def _publish_raw(broker_url: str, body: bytes, content_type: str, marker: str) -> None:
    with Connection(broker_url) as conn:
        Producer(conn.default_channel).publish(
            body,
            exchange=TASK_EXCHANGE,
            routing_key="ocr",
            content_type=content_type,
            content_encoding="binary",
            headers={"test-marker": marker},
            delivery_mode=2,
        )


def test_undecodable_messages_are_dead_lettered_not_dropped(test_worker, celery_client, broker_url: str) -> None:
    test_worker()
    marker = uuid.uuid4().hex
    _publish_raw(broker_url, b"\x00\xff{not json", "application/json", marker)  # not JSON
    _publish_raw(broker_url, b"\x80\x04K\x01.", "application/x-python-serialize", marker)  # a type we refuse
    # the queue keeps flowing behind them
    assert celery_client.send_task("ocr.test.noop").get(timeout=30) is None
    dead = [m for m in drain(broker_url, QUEUES["ocr"].dlq, timeout=10) if m["headers"].get("test-marker") == marker]
    assert len(dead) == 2, dead
    for message in dead:
        [death] = message["headers"]["x-death"]
        assert death["reason"] == "rejected" and death["queue"] == "ocr"


def test_task_dead_lettered_at_the_delivery_limit_ends_failed(
    test_worker, celery_client, broker_url: str, marker_dir: Path
) -> None:
    """A task that kills its pool child every time: dead-lettered at the limit, then FAILURE, not STARTED forever."""
    test_worker()
    started = time.monotonic()
    result = celery_client.send_task("ocr.test.crash", kwargs={"marker_dir": str(marker_dir), "key": "crash"})
    assert wait_until(lambda: result.state == "FAILURE", timeout=120, step=0.5), f"still {result.state}"
    print(f"crash loop closed as FAILURE after {time.monotonic() - started:.1f}s")
    error = result.result.args[0]
    assert error["code"] == "delivery_limit_exceeded", error
    assert error["details"]["delivery_limit"] == QUEUES["ocr"].delivery_limit
    attempts = len((marker_dir / "crash").read_text().splitlines())
    assert 2 <= attempts <= QUEUES["ocr"].delivery_limit + 1
    kept = [m for m in drain(broker_url, QUEUES["ocr"].dlq, timeout=5) if m["headers"].get("id") == result.id]
    assert len(kept) == 1, "the dead letter must stay in ocr.dlq for inspection"
