"""Queue depth of each tag's RabbitMQ queue (passive declare), sampled for ``queue_depth`` and scaling."""

from __future__ import annotations

import time

import anyio
import structlog

from registry.service import WorkerRegistryService, pause_after
from shared.broker import queue_depths

__all__ = ["QueueMonitor"]

log = structlog.get_logger(__name__)


class QueueMonitor:
    """Samples depth, consumers and finished-task totals per tag into ``wrk:registry:queue:<tag>``."""

    name = "queues"

    def __init__(self, service: WorkerRegistryService, broker_url: str) -> None:
        self.service = service
        self.broker_url = broker_url

    async def run_once(self) -> dict[str, tuple[int, int]]:
        tags = sorted(await self.service.tags())
        if not tags:
            return {}
        depths = await anyio.to_thread.run_sync(lambda: queue_depths(self.broker_url, tags))
        for tag in tags:
            started = time.perf_counter()
            snap = await self.service.snapshot(tag)  # tag by tag: small snapshots, a measured pause between
            live = [m for m in snap.members(tag) if m.alive]
            completed = 0.0
            known = False
            for m in live:
                succeeded = m.metrics.get("tasks_succeeded", m.scrape.get("succeeded"))
                failed = m.metrics.get("tasks_failed", m.scrape.get("failed"))
                if succeeded is not None or failed is not None:
                    known = True
                    completed += float(succeeded or 0) + float(failed or 0)
            depth, consumers = depths.get(tag, (None, None))
            await self.service.store.push_queue_sample(
                tag,
                {
                    "at": snap.now,
                    "depth": depth,
                    "consumers": consumers,
                    "completed": completed if known else None,
                    "instances": sorted(m.instance_id for m in live),
                },
            )
            await pause_after(started)
        return depths
