"""The registry unreachable for a minute while workers of every tag heartbeat, then killed with -9 (issue 20 §2).

Every tag is the nine of the issue plus ``flows`` (all of ``celeryconfig.QUEUES``): ten workers.

A real registry process (jobs on) sits behind a cuttable proxy; one worker of every tag beats through it every
``INTERVAL`` s (``HEARTBEAT_INTERVAL``, shortened from the default 30 s so the test stays bounded; the registry's
windows are scaled with it). With the link cut for ``OUTAGE_S``: every tag's ``ping`` still runs. Once it is back,
every instance must have registered again (a POST, seen as a ``last_seen`` after the return) within one heartbeat
interval, plus ``SLACK_S`` for the poll and a loaded 2-core box. Then the registry is SIGKILLed and started again:
every row it had written to PostgreSQL is still there and every instance is listed again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from celeryconfig import QUEUES
from registry.auth import SCOPE_HEARTBEAT, SCOPE_READ
from tests.faults.registry_process import RegistryProcess
from tests.registry.conftest import SECRET
from tests.registry.helpers import subscribe_events
from tests.support.faults import FaultRow, report, through, wait_until
from tests.support.workers import WorkerProcess

INTERVAL = 2.0
OUTAGE_S = 60.0
SLACK_S = 1.0


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _rows(database_url: str) -> dict[tuple[str, str], datetime]:
    """``(tag, instance_id) -> last_seen`` of every row the registry has written to PostgreSQL."""
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        rows = conn.execute("SELECT tag, instance_id, last_seen FROM worker_status").fetchall()
    return {(tag, instance): last_seen for tag, instance, last_seen in rows}


def _registry(tmp_path: Path, registry_pg_url: str, registry_redis_url: str, broker_url: str) -> RegistryProcess:
    return RegistryProcess(
        {
            "REGISTRY_JWT_SECRET": SECRET,
            "WORKERS_CORE_ENV": "test",
            "REGISTRY_DATABASE_URL": registry_pg_url,
            "REGISTRY_REDIS_URL": registry_redis_url,
            "REGISTRY_RMQ_URL": broker_url,
            "REGISTRY_JOBS_ENABLED": "true",
            "REGISTRY_HEARTBEAT_INTERVAL": str(INTERVAL),
            "REGISTRY_ERROR_AFTER": str(4 * INTERVAL),
            "REGISTRY_STOP_AFTER": "300",
            "REGISTRY_PURGE_AFTER": "900",
            "REGISTRY_SWEEP_INTERVAL": "1",
            "REGISTRY_FLUSH_INTERVAL": "1",
            "REGISTRY_HEALTHCHECK_INTERVAL": "600",
            "REGISTRY_SCRAPE_ALLOWED_NETWORKS": "127.0.0.0/8",
            "REGISTRY_LOG_LEVEL": "WARNING",
        },
        tmp_path / "registry.log",
    )


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_registry_down_a_minute_then_killed_every_tag(
    start_worker: Callable[..., WorkerProcess],
    celery_client,
    token: Callable[..., str],
    clean_registry: None,
    registry_pg_url: str,
    registry_redis_url: str,
    broker_url: str,
    tcp_proxy,
    tmp_path: Path,
) -> None:
    registry = _registry(tmp_path, registry_pg_url, registry_redis_url, broker_url).start()
    try:
        proxy = tcp_proxy("127.0.0.1", registry.port)
        via = through(registry.url, proxy)
        workers = {
            tag: start_worker(
                tag,
                env={
                    "REGISTRY_URL": via,
                    "REGISTRY_TOKEN": token(SCOPE_HEARTBEAT, ttl=3600, tag=tag),
                    "HEARTBEAT_INTERVAL": str(INTERVAL),
                },
                wait=False,
            )
            for tag in QUEUES
        }
        for worker in workers.values():
            worker.wait_ready(180)
        read = token(SCOPE_READ, ttl=3600)

        def seen_since(since: float) -> set[str]:
            return {
                tag
                for tag, w in workers.items()
                if (i := registry.instances(tag, read).get(w.name))
                and i["status"] in ("running", "idle")
                and _ts(i["last_seen"]) > since
            }

        assert wait_until(lambda: seen_since(0) == set(workers), timeout=60, step=0.5), seen_since(0)
        proxy.cut()
        down_at = time.monotonic()
        pings = {tag: celery_client.send_task(QUEUES[tag].ping_task, kwargs={"echo": f"down-{tag}"}) for tag in workers}
        answers = {tag: r.get(timeout=60) for tag, r in pings.items()}
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_at)))
        with subscribe_events(registry_redis_url) as collect:
            proxy.restore()
            back_wall = time.time()
            events = collect(3 * INTERVAL)
        names = {w.name: tag for tag, w in workers.items()}
        again: dict[str, float] = {}
        for event in events:  # the registry's own timestamp of each registration (POST) after the return
            tag = names.get(event["data"]["instance_id"])
            if event["event"] == "worker.registered" and tag and tag not in again:
                again[tag] = _ts(event["occurred_at"]) - back_wall
        report(
            FaultRow(
                f"registry-cut-{OUTAGE_S:.0f}s",
                sent=len(pings),
                completed=sum(1 for a in answers.values() if a),
                lost=len(pings) - sum(1 for a in answers.values() if a),
                twice=0,
                recovery_s=max(again.values(), default=float("inf")),
                note=f"{len(again)}/{len(workers)} tags re-registered, heartbeat interval {INTERVAL:.0f} s",
            )
        )
        assert set(again) == set(workers), f"never re-registered: {set(workers) - set(again)}"
        assert max(again.values()) <= INTERVAL + SLACK_S, again

        # kill -9: nothing the registry had persisted is lost, and every instance is listed again
        time.sleep(2 * INTERVAL)  # a flush or two after the re-registrations
        before = _rows(registry_pg_url)
        registry.kill()
        killed = time.monotonic()
        registry.start()
        after = _rows(registry_pg_url)
        lost = {k for k in before if k not in after or after[k] < before[k]}  # gone, or its state went back
        assert not lost, f"rows lost by kill -9: {lost}"
        restarted_wall = time.time()
        assert wait_until(lambda: seen_since(restarted_wall) == set(workers), timeout=60, step=0.2)
        report(
            FaultRow(
                "registry-kill-9",
                sent=len(before),
                completed=len(before) - len(lost),
                lost=len(lost),
                twice=0,
                recovery_s=time.monotonic() - killed,
                note="rows of worker_status kept; recovery = restart until every instance is listed and beating",
            )
        )
    finally:
        registry.stop()
