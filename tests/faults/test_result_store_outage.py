"""Redis (the result store) away while tasks finish (issue 20 F3): no succeeded task is ever dead-lettered.

Before the fix storing a finished task's state raised after the backend's 5 s retry policy, Celery took the task
as failed and the message was rejected into ``ocr.dlq`` though its work was done.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from celeryconfig import QUEUES
from tests.support.faults import drain, proxy_for, through, wait_until


def test_redis_outage_while_tasks_finish_dead_letters_nothing(
    test_worker, celery_client, broker_url: str, redis_url: str, tcp_proxy, marker_dir: Path
) -> None:
    proxy = proxy_for(redis_url, tcp_proxy)
    test_worker(env={"REDIS_URL": through(redis_url, proxy)}, concurrency=2)
    results = [
        celery_client.send_task(
            "ocr.test.sleep", kwargs={"seconds": 1.5, "marker_dir": str(marker_dir), "key": f"r{i}"}
        )
        for i in range(4)
    ]
    assert wait_until(lambda: (marker_dir / "r0.start").exists(), timeout=30), "no task started"
    proxy.cut()  # the running tasks finish while Redis is unreachable
    time.sleep(8.0)  # longer than the backend's own 5 s retry policy
    proxy.restore()
    back = time.monotonic()
    recorded = wait_until(lambda: all(r.ready() for r in results), timeout=45, step=0.2)
    print(f"result store outage: every result recorded {time.monotonic() - back:.1f}s after Redis returned")
    ids = {r.id for r in results}
    dead = [m for m in drain(broker_url, QUEUES["ocr"].dlq, timeout=3) if m["headers"].get("id") in ids]
    assert dead == [], f"{len(dead)} tasks dead-lettered by the Redis outage"
    assert recorded, [r.state for r in results]
    assert sorted(r.get(timeout=1)["key"] for r in results) == ["r0", "r1", "r2", "r3"]
    assert all(len((marker_dir / f"r{i}.done").read_text().splitlines()) == 1 for i in range(4))


@pytest.mark.slow
def test_redis_outage_of_15s_under_load_dead_letters_nothing(
    test_worker, celery_client, broker_url: str, redis_url: str, tcp_proxy, marker_dir: Path
) -> None:
    """40 short tasks through 2 children while Redis is unreachable for 15 s: all SUCCESS, none dead-lettered."""
    proxy = proxy_for(redis_url, tcp_proxy)
    test_worker(env={"REDIS_URL": through(redis_url, proxy)}, concurrency=2)
    results = [
        celery_client.send_task(
            "ocr.test.sleep", kwargs={"seconds": 0.3, "marker_dir": str(marker_dir), "key": f"l{i}"}
        )
        for i in range(40)
    ]
    assert wait_until(lambda: (marker_dir / "l3.done").exists(), timeout=30)
    proxy.cut()
    time.sleep(15.0)
    proxy.restore()
    back = time.monotonic()
    recorded = wait_until(lambda: all(r.ready() for r in results), timeout=90, step=0.5)
    print(f"15 s result store outage under load: all 40 recorded {time.monotonic() - back:.1f}s after Redis returned")
    ids = {r.id for r in results}
    dead = [m for m in drain(broker_url, QUEUES["ocr"].dlq, timeout=3) if m["headers"].get("id") in ids]
    assert dead == [], f"{len(dead)} tasks dead-lettered by the Redis outage"
    assert recorded and all(r.state == "SUCCESS" for r in results)
    assert all(len((marker_dir / f"l{i}.done").read_text().splitlines()) == 1 for i in range(40))
