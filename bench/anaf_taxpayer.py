"""Benchmark: 10,000 distinct valid CUIs through a real ``anaf.taxpayer`` worker against the fake registry.

    python -m bench.anaf_taxpayer [-n 10000] [--concurrency 250]

One task per CUI (the way Vettify validates a CUI per new lead), published through RabbitMQ (a vhost of
its own) to one worker process on the threads pool; the worker coalesces concurrent tasks into registry
calls of <= 100 CUIs under the cluster-wide 1 request/s limit, and the fake enforces that pace (a call
closer than 0.9 s to the previous one is answered 429 and counted). Timed from the first ``send_task`` to
the last result. Ends with one summary line and its target (<= 115 s; the floor is 100 s, and one CUI
per request would take 10,000 s). Loopback only.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from celery.result import AsyncResult  # noqa: E402

from anaf_core import cui_check_digit  # noqa: E402
from bench.support import BenchBroker  # noqa: E402
from tests.fakes.anaf import FakeAnafServer  # noqa: E402
from tests.support.workers import WorkerProcess  # noqa: E402

TARGET_S = 115.0


def distinct_cuis(n: int) -> list[str]:
    start = random.randint(1_000_000, 50_000_000)
    return [f"{body}{cui_check_digit(str(body))}" for body in range(start, start + n)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=250, help="threads of the worker (tasks in flight)")
    args = parser.parse_args()

    cuis = distinct_cuis(args.n)
    with (
        tempfile.TemporaryDirectory(prefix="bench-taxpayer-") as tmp,
        BenchBroker(Path(tmp)) as broker,
        FakeAnafServer() as fake,
    ):
        env = broker.worker_env(
            EVENTS_ENABLED="true",
            ANAF_REGISTRY_URL=f"{fake.url}/api/PlatitorTvaRest/v9/tva",
            ANAF_REDIS_NAMESPACE=f"bench{uuid.uuid4().hex[:8]}",
            ANAF_TAXPAYER_WAIT_TIMEOUT_S="100",
        )
        worker = WorkerProcess("anaf.taxpayer", env, Path(tmp), concurrency=args.concurrency, pool="threads")
        client = broker.client
        worker.start(timeout=90)
        try:
            results: list[AsyncResult] = []
            started = time.monotonic()

            def publish() -> None:
                for cui in cuis:
                    results.append(client.send_task("taxpayer.validate", kwargs={"cui": cui}))

            sender = threading.Thread(target=publish)
            sender.start()
            sender.join()
            sent_in = time.monotonic() - started
            found = 0
            for result in results:
                body = result.get(timeout=max(10.0, 300 - (time.monotonic() - started)))
                found += body["found"]
            elapsed = time.monotonic() - started
        finally:
            worker.stop(timeout=30)
        snap = fake.state.snapshot()
        counts = [c["count"] for c in fake.state.registry_calls]
        arrivals = fake.state.registry_arrivals
        gaps = [b - a for a, b in itertools.pairwise(arrivals)] or [0.0]
    ok = found == args.n and snap["registry_violations"] == 0 and max(counts) <= 100 and elapsed <= TARGET_S
    print(f"registry call spacing on the fake's clock: min {min(gaps):.3f}s, mean {sum(gaps) / len(gaps):.3f}s")
    print(
        f"published {args.n} tasks in {sent_in:.1f}s; registry calls {len(counts)} (full {counts.count(100)}, "
        f"max {max(counts)}), 429s {snap['registry_violations']}, found {found}/{args.n}"
    )
    print(
        f"anaf.taxpayer: {args.n} distinct CUIs in {elapsed:.1f}s via {len(counts)} registry calls at 1 req/s "
        f"(target <= {TARGET_S:.0f}s, floor {args.n / 100:.0f}s) -> {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
