"""Poison messages (issue 20 F4, F5, §2): dead-lettered with their reason, never dropped, never left non-final,
in every tag's queue."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from kombu import Connection, Producer

from celeryconfig import QUEUES, TASK_EXCHANGE
from tests.support.faults import FaultRow, drain, report, wait_until


def _publish_raw(broker_url: str, body: bytes, content_type: str, marker: str, routing_key: str = "ocr") -> None:
    with Connection(broker_url) as conn:
        Producer(conn.default_channel).publish(
            body,
            exchange=TASK_EXCHANGE,
            routing_key=routing_key,
            content_type=content_type,
            content_encoding="binary",
            headers={"test-marker": marker},
            delivery_mode=2,
        )


def test_undecodable_messages_are_dead_lettered_not_dropped(test_worker, celery_client, broker_url: str) -> None:
    test_worker()
    marker = uuid.uuid4().hex
    _publish_raw(broker_url, b"\x00\xff{not json", "application/json", marker)  # not JSON
    _publish_raw(broker_url, b"\x80\x04K\x01.", "application/x-python-serialize", marker)  # a type we refuse
    # the queue keeps flowing behind them
    assert celery_client.send_task("ocr.test.noop").get(timeout=30) is None
    dead = [m for m in drain(broker_url, QUEUES["ocr"].dlq, timeout=10) if m["headers"].get("test-marker") == marker]
    assert len(dead) == 2, dead
    for message in dead:
        [death] = message["headers"]["x-death"]
        assert death["reason"] == "rejected" and death["queue"] == "ocr"


def test_task_dead_lettered_at_the_delivery_limit_ends_failed(
    test_worker, celery_client, broker_url: str, marker_dir: Path
) -> None:
    """A task that kills its pool child every time: dead-lettered at the limit, then FAILURE, not STARTED forever."""
    test_worker()
    started = time.monotonic()
    result = celery_client.send_task("ocr.test.crash", kwargs={"marker_dir": str(marker_dir), "key": "crash"})
    assert wait_until(lambda: result.state == "FAILURE", timeout=120, step=0.5), f"still {result.state}"
    print(f"crash loop closed as FAILURE after {time.monotonic() - started:.1f}s")
    error = result.result.args[0]
    assert error["code"] == "delivery_limit_exceeded", error
    assert error["details"]["delivery_limit"] == QUEUES["ocr"].delivery_limit
    attempts = len((marker_dir / "crash").read_text().splitlines())
    assert 2 <= attempts <= QUEUES["ocr"].delivery_limit + 1
    kept = [m for m in drain(broker_url, QUEUES["ocr"].dlq, timeout=5) if m["headers"].get("id") == result.id]
    assert len(kept) == 1, "the dead letter must stay in ocr.dlq for inspection"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_poison_in_every_tag_is_dead_lettered_with_its_reason(
    start_worker, celery_client, broker_url: str, marker_dir: Path
) -> None:
    """One worker per tag (nine), each queue fed a non-JSON body, a refused content type and a task that kills
    its pool child every time: all dead-lettered with their reason, the crash closed as FAILURE, and a ``ping``
    sent behind them answered by every tag (the queue is not blocked)."""
    workers = [start_worker(tag, env={"WORKER_EXTRA_IMPORTS": "tests.support.tasks"}, wait=False) for tag in QUEUES]
    for worker in workers:
        worker.wait_ready(180)
    marker = uuid.uuid4().hex
    crashes = {}
    for tag in QUEUES:
        _publish_raw(broker_url, b"\x00\xff{not json", "application/json", marker, routing_key=tag)
        _publish_raw(broker_url, b"\x80\x04K\x01.", "application/x-python-serialize", marker, routing_key=tag)
        crashes[tag] = celery_client.send_task(
            "ocr.test.crash", kwargs={"marker_dir": str(marker_dir), "key": f"crash-{tag}"}, queue=tag, routing_key=tag
        )  # the queue and its routing key (the router's key would send it to ``ocr``)
    started = time.monotonic()
    pings = {tag: celery_client.send_task(QUEUES[tag].ping_task, kwargs={"echo": tag}) for tag in QUEUES}
    assert all(r.get(timeout=120) for r in pings.values())
    unblocked = time.monotonic() - started
    closed = wait_until(lambda: all(r.state == "FAILURE" for r in crashes.values()), timeout=300, step=1.0)
    closed_after = time.monotonic() - started
    dead = {tag: drain(broker_url, QUEUES[tag].dlq, timeout=10) for tag in QUEUES}
    rejected = {tag: [m for m in dead[tag] if m["headers"].get("test-marker") == marker] for tag in QUEUES}
    limited = {tag: [m for m in dead[tag] if m["headers"].get("id") == crashes[tag].id] for tag in QUEUES}
    report(
        FaultRow(
            "poison-every-tag",
            sent=3 * len(QUEUES),
            completed=sum(len(rejected[t]) + len(limited[t]) for t in QUEUES),
            lost=sum(max(0, 2 - len(rejected[t])) + max(0, 1 - len(limited[t])) for t in QUEUES),
            twice=sum(max(0, len(rejected[t]) - 2) + max(0, len(limited[t]) - 1) for t in QUEUES),
            recovery_s=unblocked,
            note=f"completed = dead-lettered with reason; every crash FAILURE after {closed_after:.0f} s",
        )
    )
    assert closed, {tag: r.state for tag, r in crashes.items()}
    for tag in QUEUES:
        assert [m["headers"]["x-death"][0]["reason"] for m in rejected[tag]] == ["rejected", "rejected"], tag
        assert len(limited[tag]) == 1, f"{tag}: the crash loop is not in {QUEUES[tag].dlq}"
        assert crashes[tag].result.args[0]["code"] == "delivery_limit_exceeded", tag
