"""Periodic background jobs of the registry (flush, sweep, health checks, queue sampling) as asyncio tasks.

Each job runs every ``interval`` seconds; jobs marked ``leader`` take a Redis lock first so only one
registry replica runs them per period. A failing run is logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from registry.store import HotStore

__all__ = ["JobRunner", "PeriodicJob"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval: float
    run: Callable[[], Awaitable[object]]
    leader: bool = True


class JobRunner:
    """Starts one loop per job; ``stop()`` cancels them and waits."""

    def __init__(
        self, store: HotStore, jobs: list[PeriodicJob], observe: Callable[[str, float], None] | None = None
    ) -> None:
        self.store = store
        self.jobs = jobs
        self.observe = observe
        self.owner = str(uuid.uuid4())
        self.runs: dict[str, int] = {job.name: 0 for job in jobs}
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"registry-job-{job.name}"))

    async def stop(self, timeout: float = 10.0) -> None:
        """Cancel every loop; a run blocked in a worker thread is waited for at most ``timeout`` seconds."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=timeout)
            for task in done:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    task.result()
            if pending:
                log.warning("registry jobs still running at shutdown", jobs=sorted(t.get_name() for t in pending))
        self._tasks.clear()

    async def run_now(self, job: PeriodicJob) -> bool:
        """One run of ``job`` (after taking its lock when it is a leader job); False if skipped or failed."""
        started = time.perf_counter()
        try:
            if job.leader and not await self.store.acquire(job.name, self.owner, job.interval * 0.9):
                return False
            result = await job.run()
        except asyncio.CancelledError:
            raise
        except Exception:  # a background loop must survive any failure of one run (logged with traceback)
            log.exception("registry job failed", job=job.name)
            return False
        self.runs[job.name] = self.runs.get(job.name, 0) + 1
        elapsed = time.perf_counter() - started
        if self.observe is not None:
            self.observe(job.name, elapsed)
        if elapsed > job.interval:
            log.warning(
                "registry job slower than its interval", job=job.name, seconds=round(elapsed, 3), interval=job.interval
            )
        else:
            log.debug("registry job ran", job=job.name, seconds=round(elapsed, 4), result=result)
        return True

    async def _loop(self, job: PeriodicJob) -> None:
        while True:
            await asyncio.sleep(job.interval)
            await self.run_now(job)
