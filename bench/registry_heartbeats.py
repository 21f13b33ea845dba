"""Benchmark: 1,000 simulated worker instances heartbeating concurrently against the running registry.

Starts the registry (``python -m registry.cli serve``) on a free loopback port with its own PostgreSQL
database and a locked Redis DB (or uses ``--url`` + ``--token``), registers ``--instances`` instances,
then every instance heartbeats on its own timer (open loop: an instance beats every
``instances / rate`` seconds with a random phase, like real workers, so the offered load is ``--rate``
heartbeats/s) for ``--duration`` seconds. Then ``GET /v1/workers`` (all instances) is timed
``--list-requests`` times. Only 127.0.0.1 is ever contacted. Client: aiohttp
(uvicorn serves with uvloop + httptools when installed).

    python bench/registry_heartbeats.py [--instances 1000] [--rate 1700] [--duration 20]

The last line is ``registry heartbeats: N/s p99 X ms (target >= 1500/s, < 50 ms)``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psycopg
import redis

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from registry.auth import SCOPE_ADMIN, mint_token  # noqa: E402
from registry.config import RegistrySettings  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
LOCK_PREFIX = "workers-core:test-lock:registry-redis-db:"
TAGS = [
    "ocr",
    "pdf.render",
    "email.send",
    "notify.slack",
    "anaf.taxpayer",
    "anaf.efactura",
    "anaf.etransport",
    "anaf.saft",
    "reges",
]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def own_postgres() -> Iterator[str]:
    name = f"registry_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def own_redis_db() -> Iterator[str]:
    admin = redis.Redis.from_url(f"{REDIS_BASE}/0")
    owner = uuid.uuid4().hex
    numbers = list(range(1, 16))
    random.shuffle(numbers)
    chosen = next((n for n in numbers if admin.set(f"{LOCK_PREFIX}{n}", owner, nx=True, ex=3600)), None)
    if chosen is None:
        raise SystemExit("no free Redis DB")
    url = f"{REDIS_BASE}/{chosen}"
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match="wrk:*", count=1000):
            client.delete(key)
        yield url
    finally:
        for key in client.scan_iter(match="wrk:*", count=1000):
            client.delete(key)
        client.close()
        if admin.get(f"{LOCK_PREFIX}{chosen}") == owner.encode():
            admin.delete(f"{LOCK_PREFIX}{chosen}")
        admin.close()


@contextlib.contextmanager
def registry_server(database_url: str, redis_url: str, secret: str) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": database_url,
        "REGISTRY_REDIS_URL": redis_url,
        "REGISTRY_JWT_SECRET": secret,
        "REGISTRY_PORT": str(port),
        "REGISTRY_LOG_LEVEL": "WARNING",
        "WORKERS_CORE_ENV": "test",
        "PYTHONPATH": str(REPO),
    }
    proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve"], cwd=REPO, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("registry did not start")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def body(i: int) -> dict[str, Any]:
    # no health_endpoint: the simulated instances have no /metrics for the health-check job to scrape
    return {
        "instance_id": f"bench-{i}@host-{i % 50}",
        "version": "1.0.0",
        "queue_size": i % 7,
        "active_tasks": i % 3,
        "host": f"host-{i % 50}",
        "pid": 1000 + i,
    }


async def run(
    url: str, token: str, *, instances: int, rate: float, duration: float, list_requests: int, connections: int
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(url, headers=headers, connector=connector, timeout=timeout) as client:
        gate = asyncio.Semaphore(16)  # registrations write through to SQL: keep them moderate

        async def register(i: int) -> None:
            async with gate, client.post(f"/v1/workers/{TAGS[i % len(TAGS)]}/instances", json=body(i)) as response:
                await response.read()
                response.raise_for_status()

        await asyncio.gather(*(register(i) for i in range(instances)))
        await asyncio.sleep(3)  # let the write-behind flush of the registrations settle

        latencies: list[float] = []
        errors = 0
        period = instances / rate
        start = time.perf_counter() + 0.5
        stop_at = start + duration

        async def instance(i: int) -> None:
            nonlocal errors
            tag = TAGS[i % len(TAGS)]
            payload = body(i)
            due = start + random.uniform(0, period)
            while due < stop_at:
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                try:
                    async with client.patch(f"/v1/workers/{tag}/heartbeat", json=payload) as response:
                        await response.read()
                        if response.status != 200:
                            errors += 1
                except aiohttp.ClientError:
                    errors += 1
                # latency from the scheduled send time: a late start (client or server busy) counts too
                latencies.append(time.perf_counter() - due)
                due += period

        await asyncio.gather(*(instance(i) for i in range(instances)))
        elapsed = time.perf_counter() - start

        list_latencies: list[float] = []
        total = None
        for _ in range(list_requests):
            t0 = time.perf_counter()
            async with client.get("/v1/workers") as response:
                data = await response.read()
                response.raise_for_status()
            list_latencies.append(time.perf_counter() - t0)
            total = json.loads(data)["total_instances"]
        async with client.get("/metrics") as response:
            text = await response.text()
    return {
        "latencies": latencies,
        "errors": errors,
        "elapsed": elapsed,
        "list": list_latencies,
        "listed": total,
        "server_p99": server_quantile(text, 0.99),
        "jobs": job_runs(text),
    }


def job_runs(text: str) -> dict[str, tuple[int, float]]:
    """(runs, seconds) per background job of the registry during the benchmark."""
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name in ("registry_job_duration_seconds_count", "registry_job_duration_seconds_sum"):
                entry = out.setdefault(s.labels["job"], [0.0, 0.0])
                entry[0 if s.name.endswith("_count") else 1] = s.value
    return {job: (int(v[0]), v[1]) for job, v in out.items()}


def server_quantile(text: str, q: float) -> float | None:
    """Quantile of the registry's own ``heartbeat_latency_seconds`` histogram (upper bucket bound)."""
    from prometheus_client.parser import text_string_to_metric_families

    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "heartbeat_latency_seconds_bucket":
                le = float(s.labels["le"])
                buckets[le] = buckets.get(le, 0.0) + s.value
    if not buckets:
        return None
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    return next((b for b in bounds if buckets[b] >= q * total), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1700.0, help="offered heartbeats per second (all instances)")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--list-requests", type=int, default=200)
    parser.add_argument("--connections", type=int, default=64, help="HTTP keep-alive connections of the client")
    parser.add_argument("--url", default=None, help="an already running registry (needs --token)")
    parser.add_argument("--token", default=None, help="JWT with workers:admin for --url")
    args = parser.parse_args()

    def go(url: str, token: str) -> dict[str, Any]:
        with contextlib.suppress(ImportError):
            import uvloop

            uvloop.install()
        return asyncio.run(
            run(
                url,
                token,
                instances=args.instances,
                rate=args.rate,
                duration=args.duration,
                list_requests=args.list_requests,
                connections=args.connections,
            )
        )

    if args.url:
        if not args.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
            raise SystemExit("benchmarks only run against loopback")
        result = go(args.url, args.token or "")
    else:
        secret = secrets.token_urlsafe(32)
        token = mint_token(
            RegistrySettings(jwt_secret=secret, workers_core_env="test"),
            subject="bench",
            scopes=[SCOPE_ADMIN],
            ttl=3600,
        )
        with (
            own_postgres() as database_url,
            own_redis_db() as redis_url,
            registry_server(database_url, redis_url, secret) as url,
        ):
            result = go(url, token)

    lat = result["latencies"]
    count = len(lat)
    throughput = count / result["elapsed"] if result["elapsed"] > 0 else 0.0
    p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
    lp50, lp99 = percentile(result["list"], 50) * 1000, percentile(result["list"], 99) * 1000
    print(f"instances: {args.instances}, offered rate: {args.rate:.0f}/s, duration: {args.duration:.0f} s")
    print(
        f"heartbeats: {count} sent, {result['errors']} errors, {throughput:.0f}/s; "
        f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(lat) * 1000:.1f} ms, "
        f"mean {statistics.fmean(lat) * 1000:.1f} ms"
    )
    if result.get("server_p99") is not None:
        print(
            f"server-side heartbeat handling p99 <= {result['server_p99'] * 1000:.1f} ms "
            "(registry histogram; the client-side figure above includes queueing and the client itself)"
        )
    if result.get("jobs"):
        print(
            "background jobs meanwhile: "
            + ", ".join(
                f"{job} {runs}x {seconds / max(runs, 1) * 1000:.0f} ms"
                for job, (runs, seconds) in sorted(result["jobs"].items())
            )
        )
    print(
        f"GET /v1/workers ({result['listed']} instances) x{len(result['list'])}: "
        f"p50 {lp50:.1f} ms, p99 {lp99:.1f} ms (target < 50 ms)"
    )
    ok = throughput >= 1500 and p99 < 50 and lp99 < 50 and result["errors"] == 0
    print(f"verdict: {'PASS' if ok else 'FAIL'}")
    print(f"registry heartbeats: {throughput:.0f}/s p99 {p99:.1f} ms (target >= 1500/s, < 50 ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
