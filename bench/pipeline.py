#!/usr/bin/env python3
"""No-op tasks through our full stack (JSON logging, metrics, spans, events wiring, correlation ids, health
app) versus a bare Celery app with the same reliability settings, same broker and Redis, same run.

Both workers run at the same time on their own queues in a throw-away RabbitMQ vhost. Each round first
stops both from consuming (remote control ``cancel_consumer``), publishes the same backlog of no-op tasks to
each queue, then lets both consume at the same instant (``add_consumer``) and times how long each takes to
drain its backlog, results written to Redis. Both pipelines thus share the same machine noise at the same
moment and the producer is not part of the measurement; the ratio is taken per round and the median is
reported. Target: ours >= 0.9 x bare.

    python bench/pipeline.py [--tasks 1500] [--rounds 3] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from celery import Celery  # noqa: E402

from tests.support.workers import free_port  # noqa: E402

RMQ = os.environ.get("BENCH_RMQ", "amqp://guest:guest@127.0.0.1:5672")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def wait_log(path: Path, needle: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{needle!r} not in {path}:\n{path.read_text(errors='replace')[-3000:]}")


def run_round(client: Celery, task: str, n: int) -> float:
    t0 = time.perf_counter()
    results = [client.send_task(task, kwargs={"i": i}) for i in range(n)]
    for r in results:
        r.get(timeout=300)
    return n / (time.perf_counter() - t0)


def paired_round(bare: Celery, ours: Celery, n: int, nodes: dict[str, str]) -> tuple[float, float]:
    """Backlog of n tasks on each queue, then both consume at once; tasks/s of (bare, ours)."""
    bare.control.cancel_consumer("bench.bare", destination=[nodes["bare"]], reply=True, timeout=10)
    ours.control.cancel_consumer("ocr", destination=[nodes["ours"]], reply=True, timeout=10)
    bare_results = [bare.send_task("bench.bare.noop", kwargs={"i": i}) for i in range(n)]
    our_results = [ours.send_task("ocr.bench.noop", kwargs={"i": i}) for i in range(n)]
    finished: dict[str, float] = {}

    def collect(name: str, results: list) -> None:
        for r in results:
            r.get(timeout=300)
        finished[name] = time.perf_counter()

    threads = [
        threading.Thread(target=collect, args=("bare", bare_results)),
        threading.Thread(target=collect, args=("ours", our_results)),
    ]
    t0 = time.perf_counter()
    bare.control.add_consumer("bench.bare", destination=[nodes["bare"]], reply=False)
    ours.control.add_consumer("ocr", destination=[nodes["ours"]], reply=False)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return n / (finished["bare"] - t0), n / (finished["ours"] - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--loglevel", default="INFO", help="log level of both workers (same for the baseline)")
    args = ap.parse_args()

    vhost = f"wc-bench-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    broker = f"{RMQ}/{vhost}"
    tmp = Path(tempfile.mkdtemp(prefix="wc-bench-"))
    env = {
        **os.environ,
        "RMQ_URL": broker,
        "REDIS_URL": REDIS,
        "WORKERS_CORE_ENV": "test",
        "LOG_LEVEL": args.loglevel,
        "ARTIFACT_DIR": str(tmp / "artifacts"),
        "WORKER_EXTRA_IMPORTS": "bench.tasks",
        "HEALTH_PORT": str(free_port()),
        "HEALTH_HOST": "127.0.0.1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prom"),
        "REGISTRY_URL": "",
        "PYTHONPATH": str(ROOT),
    }
    (tmp / "prom").mkdir()
    procs = []
    try:
        ours_log, bare_log = tmp / "ours.log", tmp / "bare.log"
        common = ["-c", str(args.concurrency), "--without-gossip", "--without-mingle", "-l", args.loglevel]
        host = socket.gethostname()
        nodes = {"ours": f"ours@{host}", "bare": f"bare@{host}"}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "shared.cli", "worker", "ocr", "-c", str(args.concurrency), "-n", "ours@%h"],
                cwd=ROOT,
                env=env,
                stdout=ours_log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "bench.bare_app",
                    "worker",
                    "-Q",
                    "bench.bare",
                    "-n",
                    "bare@%h",
                    *common,
                ],
                cwd=ROOT,
                env=env,
                stdout=bare_log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )

        from shared.celery_app import create_client
        from shared.config import WorkerSettings

        ours_client = create_client(WorkerSettings(RMQ_URL=broker, REDIS_URL=REDIS, WORKERS_CORE_ENV="test"))
        os.environ.update(RMQ_URL=broker, REDIS_URL=REDIS)
        from bench import bare_app

        bare_client = bare_app.app
        deadline = time.monotonic() + 60
        while len(bare_client.control.ping(destination=list(nodes.values()), timeout=1)) < 2:
            if time.monotonic() > deadline:
                raise TimeoutError(f"workers did not answer a control ping; logs in {tmp}")
            for p in procs:
                if p.poll() is not None:
                    raise RuntimeError(f"a worker exited with {p.returncode}; logs in {tmp}")
        run_round(ours_client, "ocr.bench.noop", 100)  # warm-up both
        run_round(bare_client, "bench.bare.noop", 100)
        ours, bare, ratios = [], [], []
        for i in range(args.rounds):
            b_rate, o_rate = paired_round(bare_client, ours_client, args.tasks, nodes)
            bare.append(b_rate)
            ours.append(o_rate)
            ratios.append(o_rate / b_rate)
            print(f"round {i + 1}: bare {b_rate:.0f} tasks/s, ours {o_rate:.0f} tasks/s, ratio {ratios[-1]:.3f}")
        print(
            f"bare celery: median {statistics.median(bare):.0f} tasks/s over {args.rounds} x {args.tasks} no-op tasks"
        )
        print(
            f"workers-core: median {statistics.median(ours):.0f} tasks/s "
            "(JSON logs, metrics, correlation ids, events wiring, health app)"
        )
        print(f"pipeline overhead ratio: {statistics.median(ratios):.2f} (target >= 0.9)")
        return 0
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        rabbitmqctl("delete_vhost", vhost)


if __name__ == "__main__":
    sys.exit(main())
