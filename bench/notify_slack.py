"""Benchmark: Slack notifications through real ``notify.slack`` workers against the fake Slack (loopback).

    python -m bench.notify_slack [-n 60] [--channels 6] [--replicas 2]

The fake Slack enforces Slack's ~1 message/s per channel (429 + Retry-After past it). N messages spread
over C channels go through R worker replicas sharing the Redis pace; it reports the wall time, the
closest gap between two posts in one channel, how many 429s Slack had to send, and that every message
was posted exactly once. Ideal time is about N/C - 1 seconds (each channel drains at 1/s in parallel).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.support import BenchBroker  # noqa: E402
from tests.fakes.slack import TOKEN, FakeSlack  # noqa: E402
from tests.support.workers import WorkerProcess  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=60)
    parser.add_argument("--channels", type=int, default=6)
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()

    channels = {f"canal-{i}": f"C{i:010d}" for i in range(args.channels)}
    fake = FakeSlack(channels=channels, rate_per_second=1.0, burst=1).start()
    workers: list[WorkerProcess] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-slack-") as tmp, BenchBroker(Path(tmp)) as broker:
            env = broker.worker_env(
                NOTIFY_SLACK_BOT_TOKEN=TOKEN,
                NOTIFY_SLACK_API_URL=fake.api_url,
                NOTIFY_SLACK_RATE_PER_SECOND="1",
                NOTIFY_SLACK_RATE_BURST="1",
            )
            for r in range(args.replicas):
                workers.append(
                    WorkerProcess(
                        "notify.slack", env, Path(tmp), concurrency=2, name=f"slack-{r}-{broker.vhost[-4:]}"
                    ).start()
                )
            names = list(channels)
            started = time.perf_counter()
            results = [
                broker.client.send_task(
                    "notify.slack", kwargs={"text": f"mesaj {i} — țară", "channel": f"#{names[i % len(names)]}"}
                )
                for i in range(args.n)
            ]
            bodies = [r.get(timeout=600) for r in results]
            elapsed = time.perf_counter() - started
            for worker in workers:
                worker.stop(timeout=30)
    finally:
        fake.stop()
    per_channel: dict[str, list[float]] = defaultdict(list)
    for post in fake.posted:
        per_channel[post.channel].append(post.at)
    gaps = [b - a for stamps in per_channel.values() for a, b in itertools.pairwise(sorted(stamps))]
    texts = sorted(p.text or "" for p in fake.posted)
    once = len(texts) == args.n == len(set(texts)) and all(b["status"] == "sent" for b in bodies)
    ideal = args.n / args.channels - 1
    print(
        f"{args.n} messages, {args.channels} channels, {args.replicas} replicas: {elapsed:.1f} s "
        f"(ideal ~{ideal:.0f} s), closest gap in a channel {min(gaps):.2f} s, Slack 429s {fake.rate_limited}, "
        f"posted exactly once: {once}"
    )
    return 0 if once and fake.rate_limited == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
