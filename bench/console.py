"""Benchmark of the operations console: workers page with 1,000 live instances, task search by correlation id
over 1,000,000 stored task events, and the event consumer's ingest rate into PostgreSQL.

Starts its own registry (subprocess, own PostgreSQL database and locked Redis DB) and registers 1,000 instances;
bulk-loads ``--events`` task events (and their per-task summaries) with COPY into an own console database;
serves the console in-process (uvicorn thread) and reads the server-side time of each answer from its
``Server-Timing`` header; then publishes ``--ingest-events`` Celery task events into an own RabbitMQ vhost and
times ``EventIngester`` draining them into PostgreSQL. Only 127.0.0.1 is contacted.

    python bench/console.py [--instances 1000] [--events 1000000] [--ingest-events 20000]

Last line: ``console: workers p95 X ms, search p95 Y ms, ingest Z events/s (targets < 300, < 100, >= 2000)``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from kombu import Connection, Exchange, Producer
from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.registry_heartbeats import TAGS, body, own_postgres, own_redis_db, percentile, registry_server  # noqa: E402
from console.app import create_app  # noqa: E402
from console.auth import mint_token  # noqa: E402
from console.config import ConsoleSettings  # noqa: E402
from console.database import console_engine, migrate  # noqa: E402
from console.history import HistoryStore  # noqa: E402
from console.ingest import EventIngester, events_queue  # noqa: E402
from registry.auth import SCOPE_ADMIN, SCOPE_READ  # noqa: E402
from registry.auth import mint_token as registry_token  # noqa: E402
from registry.config import RegistrySettings  # noqa: E402
from tests.registry.helpers import ThreadServer, free_port  # noqa: E402

NAMES = ["pdf.render", "email.send", "ocr.extract", "notify.slack", "efactura.submit", "taxpayer.validate"]
LIFECYCLE = ["task-sent", "task-received", "task-started", "task-succeeded", "task-context"]
STATE = {"task-sent": "PENDING", "task-received": "RECEIVED", "task-started": "STARTED", "task-succeeded": "SUCCESS"}


def bulk_load(engine: Any, events: int) -> list[str]:
    """``events`` timeline rows (5 per task, 4 tasks per correlation id) and their summaries, with COPY."""
    tasks = events // len(LIFECYCLE)
    start = datetime.now(UTC) - timedelta(days=7)
    correlations = [f"corr-{i:07d}-{uuid.uuid4().hex[:6]}" for i in range(max(tasks // 4, 1))]
    raw = engine.raw_connection()
    conn: Any = raw.driver_connection
    with conn.cursor() as cur:
        with cur.copy("COPY console_task_events (task_id, event, at, worker, retries, data) FROM STDIN") as copy:
            for t in range(tasks):
                at = start + timedelta(seconds=t * 0.5)
                for k, event in enumerate(LIFECYCLE):
                    copy.write_row(
                        (
                            f"{t:08d}-bench",
                            event,
                            at + timedelta(milliseconds=k),
                            f"w{t % 1000}@h",
                            0,
                            json.dumps({"runtime": 0.1}) if event == "task-succeeded" else None,
                        )
                    )
        with cur.copy(
            "COPY console_tasks (task_id, name, state, state_at, worker, queue, correlation_id, tenant, "
            "retries, first_at, last_at) FROM STDIN"
        ) as copy:
            for t in range(tasks):
                at = start + timedelta(seconds=t * 0.5)
                copy.write_row(
                    (
                        f"{t:08d}-bench",
                        NAMES[t % len(NAMES)],
                        "SUCCESS",
                        at,
                        f"w{t % 1000}@h",
                        "pdf.render",
                        correlations[t // 4 % len(correlations)],
                        f"tenant-{t % 50}",
                        0,
                        at,
                        at,
                    )
                )
    conn.commit()
    raw.close()
    with engine.begin() as c:
        c.execute(text("ANALYZE console_tasks"))
        c.execute(text("ANALYZE console_task_events"))
    return correlations


async def register(url: str, token: str, instances: int) -> None:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        gate = asyncio.Semaphore(50)

        async def one(i: int) -> None:
            async with gate:
                answer = await client.post(f"/v1/workers/{TAGS[i % len(TAGS)]}/instances", json=body(i))
                answer.raise_for_status()

        await asyncio.gather(*(one(i) for i in range(instances)))


def keep_alive(url: str, token: str, instances: int, stop: threading.Event) -> None:
    """Every instance beats again every 20 s (the registry marks one silent for 90 s as failed)."""
    while not stop.wait(20):
        asyncio.run(register(url, token, instances))


def server_ms(answer: httpx.Response) -> float:
    timing = answer.headers["server-timing"]
    return float(timing.split("dur=")[1])


def timed(client: httpx.Client, path: str, n: int, params: list[dict[str, str]] | None = None) -> list[float]:
    out = []
    for i in range(n):
        answer = client.get(path, params=(params[i % len(params)] if params else None))
        answer.raise_for_status()
        out.append(server_ms(answer))
    return out


@contextlib.contextmanager
def own_vhost() -> Iterator[str]:
    vhost = f"wc-console-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, capture_output=True, timeout=60)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=60)


def ingest_rate(broker_url: str, engine: Any, n: int) -> float:
    """Publish ``n`` task events (a real event lifecycle per task), then time the consumer draining them."""
    with Connection(broker_url) as conn:
        events_queue()(conn.default_channel).declare()
        producer = Producer(conn.default_channel, exchange=Exchange("celeryev", type="topic"), serializer="json")
        now = time.time()
        for i in range(n):
            kind = LIFECYCLE[i % 4]
            event = {
                "type": kind,
                "uuid": f"ingest-{i // 4:07d}",
                "timestamp": now + i * 1e-4,
                "hostname": f"pdf.render-{i % 7}@h",
                "name": "pdf.render",
                "kwargs": "{'html': '<p>x</p>', 'template': 'invoice'}",
                "retries": 0,
            }
            producer.publish(event, routing_key=kind.replace("-", "."))
    ingester = EventIngester(HistoryStore(engine), batch=1000, flush_seconds=0.2)
    stop = threading.Event()
    cpu: list[float] = []

    def consume() -> None:
        started = time.thread_time()
        ingester.consume(broker_url, should_stop=stop.is_set)
        cpu.append(time.thread_time() - started)

    thread = threading.Thread(target=consume)
    t0 = time.perf_counter()
    thread.start()
    while ingester.written < n and thread.is_alive() and time.perf_counter() - t0 < 300:
        time.sleep(0.01)
    elapsed = time.perf_counter() - t0
    stop.set()
    thread.join(30)
    used = cpu[0] if cpu else float("nan")
    print(
        f"ingest: {ingester.written} events in {elapsed:.2f}s wall, {ingester.write_seconds:.2f}s of it in PostgreSQL "
        f"round trips, {used:.2f}s consumer CPU ({ingester.written / used:.0f} events per CPU-second); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    return ingester.written / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--ingest-events", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    secret = secrets.token_urlsafe(48)
    with (
        own_postgres() as registry_db,
        own_redis_db() as redis_url,
        own_postgres() as console_db,
        registry_server(registry_db, redis_url, secret) as registry_url,
        own_vhost() as broker_url,
    ):
        engine = console_engine(console_db)
        migrate(engine)
        t0 = time.perf_counter()
        correlations = bulk_load(engine, args.events)
        print(f"loaded {args.events} task events with COPY in {time.perf_counter() - t0:.1f}s")
        # registered now: the measurements below end well within the registry's 90 s error_after
        rs = RegistrySettings(jwt_secret=secret, workers_core_env="test")
        admin = registry_token(rs, subject="bench", scopes=[SCOPE_ADMIN], ttl=3600)
        asyncio.run(register(registry_url, admin, args.instances))
        alive = threading.Event()
        beats = threading.Thread(target=keep_alive, args=(registry_url, admin, args.instances, alive), daemon=True)
        beats.start()
        settings = ConsoleSettings(
            database_url=console_db,
            redis_url=redis_url,
            rmq_url=broker_url,
            jwt_secret=secrets.token_urlsafe(48),
            workers_core_env="test",
            cookie_secure=False,
            registry_url=registry_url,
            registry_token=registry_token(rs, subject="console", scopes=[SCOPE_READ], ttl=3600),
        )
        server = ThreadServer(create_app(settings), port=free_port()).start()
        token = mint_token(settings, subject="bench", role="viewer")
        try:
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
                first = c.get("/api/workers").json()
                assert first["total_instances"] == args.instances, first["total_instances"]
                timed(c, "/workers", 5)
                workers = timed(c, "/workers", args.requests)
                registry_read = []
                with httpx.Client(base_url=registry_url, headers={"Authorization": f"Bearer {admin}"}) as rc:
                    for _ in range(max(args.requests // 4, 5)):
                        t1 = time.perf_counter()
                        rc.get("/v1/workers").raise_for_status()
                        registry_read.append((time.perf_counter() - t1) * 1000)
                uncached_server = ThreadServer(
                    create_app(settings.model_copy(update={"registry_cache_seconds": 0})), port=free_port()
                ).start()
                try:
                    uncached = timed(
                        httpx.Client(base_url=uncached_server.url, headers=c.headers, timeout=60),
                        "/workers",
                        max(args.requests // 4, 5),
                    )
                finally:
                    uncached_server.stop()
                picks = [{"correlation_id": random.choice(correlations)} for _ in range(args.requests)]
                timed(c, "/tasks", 5, picks)
                search = timed(c, "/tasks", args.requests, picks)
        finally:
            server.stop()
        alive.set()
        rate = ingest_rate(broker_url, engine, args.ingest_events)
        engine.dispose()
    w95, s95 = percentile(workers, 95), percentile(search, 95)
    print(
        f"registry GET /v1/workers alone (client-side): p50 {percentile(registry_read, 50):.1f} ms "
        f"p95 {percentile(registry_read, 95):.1f} ms"
    )
    print(
        f"workers page without the 1 s registry cache: p50 {percentile(uncached, 50):.1f} ms "
        f"p95 {percentile(uncached, 95):.1f} ms"
    )
    print(
        f"workers page: p50 {percentile(workers, 50):.1f} ms p95 {w95:.1f} ms ({args.instances} instances); "
        f"search: p50 {percentile(search, 50):.1f} ms p95 {s95:.1f} ms ({args.events} events)"
    )
    print(
        f"console: workers p95 {w95:.0f} ms, search p95 {s95:.0f} ms, ingest {rate:.0f} events/s "
        "(targets < 300, < 100, >= 2000)"
    )
    return 0 if w95 < 300 and s95 < 100 and rate >= 2000 else 1


if __name__ == "__main__":
    raise SystemExit(main())
