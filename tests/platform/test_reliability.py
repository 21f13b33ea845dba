"""Nothing is lost: a killed worker's task is redelivered, bad payloads fail fast into the dead-letter queue,
transient failures retry with backoff, and poison messages do not block the queue."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from celery.exceptions import TimeoutError as CeleryTimeout
from kombu import Connection

from celeryconfig import QUEUES, dead_letter_queue
from shared.errors import PayloadError, TransientError


def _dlq_messages(broker_url: str, queue: str, wait: float = 15.0) -> list[dict]:
    """Drain ``queue`` (our own session vhost) and return the messages' headers + bodies."""
    out: list[dict] = []
    deadline = time.monotonic() + wait
    with Connection(broker_url) as conn:
        spec = next(s for s in QUEUES.values() if s.dlq == queue)
        simple = conn.SimpleQueue(dead_letter_queue(spec), no_ack=True)
        while time.monotonic() < deadline:
            try:
                msg = simple.get(timeout=1)
            except simple.Empty:
                if out:
                    break
                continue
            out.append({"headers": dict(msg.headers or {}), "body": msg.body, "properties": dict(msg.properties)})
        simple.close()
    return out


def test_kill_9_mid_task_then_restart_completes_it(test_worker, celery_client, marker_dir: Path):
    worker = test_worker()
    result = celery_client.send_task(
        "ocr.test.sleep", kwargs={"seconds": 4, "marker_dir": str(marker_dir), "key": "k9"}
    )
    deadline = time.monotonic() + 20
    while not (marker_dir / "k9.start").exists():
        assert time.monotonic() < deadline, "task never started"
        time.sleep(0.1)
    worker.kill()  # SIGKILL to the parent and its pool children, mid-task
    assert not (marker_dir / "k9.done").exists()
    with pytest.raises(CeleryTimeout):
        result.get(timeout=2)
    worker.start()
    body = result.get(timeout=60)
    assert body == {"key": "k9", "starts": 2}
    assert len((marker_dir / "k9.done").read_text().splitlines()) == 1
    assert result.state == "SUCCESS"


def test_bad_payload_is_a_structured_error_not_retried_and_dead_lettered(
    test_worker, celery_client, broker_url, redis_client
):
    test_worker()
    result = celery_client.send_task("ocr.test.strict", kwargs={"cui": "RO-not-digits", "amount": -3})
    with pytest.raises(PayloadError) as info:
        result.get(timeout=30)
    err = info.value.to_dict()
    assert err["code"] == "invalid_payload" and err["retryable"] is False
    assert {tuple(e["loc"]) for e in err["errors"]} == {("cui",), ("amount",)}
    assert result.state == "FAILURE"
    dead = _dlq_messages(broker_url, QUEUES["ocr"].dlq)
    ids = [m["headers"].get("id") for m in dead]
    assert result.id in ids, f"failed task not dead-lettered: {ids}"
    (msg,) = [m for m in dead if m["headers"].get("id") == result.id]
    assert msg["headers"].get("retries", 0) == 0
    # the stored result keeps the whole structured error for callers without our package
    raw = json.loads(redis_client.get(f"celery-task-meta-{result.id}"))
    assert raw["result"]["exc_type"] == "PayloadError"
    assert raw["result"]["exc_message"][0]["errors"][0]["loc"] in (["cui"], ["amount"])


def test_transient_errors_retry_with_backoff_then_succeed(test_worker, celery_client, marker_dir: Path):
    test_worker()
    t0 = time.monotonic()
    result = celery_client.send_task(
        "ocr.test.flaky", kwargs={"marker_dir": str(marker_dir), "key": "fl", "fail_times": 2}
    )
    assert result.get(timeout=60) == {"attempts": 3}
    # attempt 2 after Retry-After 0.2 s (+ jitter), attempt 3 after backoff: whole seconds >= 1 each
    assert time.monotonic() - t0 >= 2.0


def test_poison_messages_do_not_block_the_queue(test_worker, celery_client, broker_url, marker_dir: Path):
    worker = test_worker(concurrency=1)
    # 1. undecodable body: rejected without requeue -> dead-lettered
    with Connection(broker_url) as conn:
        producer = conn.Producer()
        producer.publish(
            b"\x00\xffnot json at all",
            exchange="workers-core",
            routing_key="ocr",
            content_type="application/x-garbage",
            content_encoding="binary",
            headers={"task": "ocr.ping", "id": "poison-1"},
        )
    # 2. a task whose pool child dies every time: bounded by the quorum delivery-limit, then dead-lettered
    crash = celery_client.send_task("ocr.test.crash", kwargs={"marker_dir": str(marker_dir), "key": "crash"})
    ping = celery_client.send_task("ocr.ping", kwargs={"echo": "still alive"})
    assert ping.get(timeout=90)["echo"] == "still alive"
    deadline = time.monotonic() + 120
    dead: list[dict] = []
    while time.monotonic() < deadline:
        dead += _dlq_messages(broker_url, QUEUES["ocr"].dlq, wait=3)
        ids = {m["headers"].get("id") for m in dead}
        if {crash.id, "poison-1"} <= ids:
            break
    ids = {m["headers"].get("id") for m in dead}
    assert "poison-1" in ids
    assert crash.id in ids
    attempts = len((marker_dir / "crash").read_text().splitlines())
    assert 2 <= attempts <= QUEUES["ocr"].delivery_limit + 1
    assert worker.alive


def test_transient_error_survives_the_result_backend_round_trip():
    err = TransientError("ANAF down", retry_after=7, code="anaf_unavailable")
    again = TransientError(*err.args)
    assert again.retry_after == 7 and again.code == "anaf_unavailable"
    assert json.loads(json.dumps(err.args))[0]["retryable"] is True


def test_exit_when_idle_drains_the_backlog_then_stops(test_worker, celery_client, marker_dir: Path):
    """A backlog-draining Job (KEDA ScaledJob): process what is queued, then exit 0 on its own."""
    results = [
        celery_client.send_task(
            "ocr.test.sleep", kwargs={"seconds": 0.2, "marker_dir": str(marker_dir), "key": f"d{i}"}
        )
        for i in range(3)
    ]
    worker = test_worker(extra_args=("--exit-when-idle", "2"))
    assert [r.get(timeout=60)["key"] for r in results] == ["d0", "d1", "d2"]
    assert worker.proc is not None
    assert worker.proc.wait(timeout=60) == 0
    assert "idle: exiting" in worker.logs()
