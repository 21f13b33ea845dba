"""Health endpoints, metrics names, JSON logs with correlation ids, and the event envelope, on real workers."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit, urlunsplit

import httpx
from kombu import Connection, Queue

from shared.context import CORRELATION_HEADER
from shared.events import EVENTS_EXCHANGE

EXPECTED_METRICS = (
    "celery_task_received_total",
    "celery_task_started_total",
    "celery_task_succeeded_total",
    "celery_task_failed_total",
    "celery_task_runtime_seconds_bucket",
    "celery_worker_up",
    "celery_worker_tasks_active",
    "celery_queue_length",
    "celery_active_consumer_count",
    "http_requests_total",
    "workers_core_health_checks_total",
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
)


def _wait_status(url: str, status: int, timeout: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(url, timeout=10)
            if last.status_code == status:
                return last
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered {status}; last: {last and last.status_code} {last and last.text}")


def test_readyz_goes_not_ready_when_rabbitmq_is_unreachable(start_worker, broker_url, tcp_proxy):
    parts = urlsplit(broker_url)
    proxy = tcp_proxy(parts.hostname, parts.port)
    via_proxy = urlunsplit(parts._replace(netloc=f"guest:guest@127.0.0.1:{proxy.port}"))
    worker = start_worker("ocr", env={"RMQ_URL": via_proxy})
    ready = _wait_status(worker.health_url + "/readyz", 200)
    assert {c["name"]: c["status"] for c in ready.json()["checks"]} == {"broker": "ok", "result_backend": "ok"}
    proxy.cut()
    down = _wait_status(worker.health_url + "/readyz", 503)
    broker = next(c for c in down.json()["checks"] if c["name"] == "broker")
    assert broker["status"] == "fail" and broker["error"]
    assert httpx.get(worker.health_url + "/healthz", timeout=5).status_code == 200  # alive, just not ready
    proxy.restore()
    _wait_status(worker.health_url + "/readyz", 200, timeout=60)


def test_metrics_have_celery_exporter_names(start_worker, celery_client):
    worker = start_worker("ocr", env={"WORKER_EXTRA_IMPORTS": "tests.support.tasks"}, concurrency=2)
    celery_client.send_task("ocr.ping").get(timeout=30)
    failed = celery_client.send_task("ocr.test.strict", kwargs={"cui": "x"})
    failed.get(timeout=30, propagate=False)
    httpx.get(worker.health_url + "/readyz", timeout=10)
    text = httpx.get(worker.health_url + "/metrics", timeout=10).text
    for name in EXPECTED_METRICS:
        assert f"\n{name}" in text, f"{name} missing from /metrics"
    assert (
        f'celery_task_failed_total{{exception="PayloadError",hostname="{worker.hostname}",name="ocr.test.strict",queue_name="ocr"}} 1.0'
        in text
    )
    assert f'celery_worker_up{{hostname="{worker.hostname}",queue_name="ocr"}} 1.0' in text
    assert 'celery_queue_length{queue_name="ocr"}' in text
    rss = next(
        float(line.split()[1]) for line in text.splitlines() if line.startswith("process_resident_memory_bytes ")
    )
    assert rss > 50e6  # parent + 2 pool children, each a Python interpreter with Celery loaded


def test_logs_are_json_and_carry_the_callers_correlation_id(start_worker, celery_client):
    worker = start_worker("ocr")
    result = celery_client.send_task("ocr.ping", kwargs={"echo": "ț"}, headers={CORRELATION_HEADER: "corr-abc-123"})
    result.get(timeout=30)
    time.sleep(0.5)
    records = []
    for line in worker.logs().splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    mine = [r for r in records if r.get("task_id") == result.id]
    assert mine, "no log record bound to the task"
    for record in mine:
        assert record["correlation_id"] == "corr-abc-123"
        assert record["task_name"] == "ocr.ping"
        assert record["queue"] == "ocr"
        assert record["level"] and record["timestamp"].endswith("Z")
    assert any("succeeded" in r["event"] for r in mine)  # Celery's own record went through the same chain


def test_events_use_one_envelope_with_the_correlation_id(start_worker, celery_client, broker_url):
    start_worker("ocr", env={"WORKER_EXTRA_IMPORTS": "tests.support.tasks"})
    with Connection(broker_url) as conn:
        queue = Queue("test-events", exchange=EVENTS_EXCHANGE, routing_key="#", durable=False, auto_delete=False)
        queue(conn.default_channel).declare()
        ok = celery_client.send_task("ocr.test.event", kwargs={"value": "ă"}, headers={CORRELATION_HEADER: "corr-ev"})
        event_id = ok.get(timeout=30)["event_id"]
        bad = celery_client.send_task("ocr.test.strict", kwargs={}, headers={CORRELATION_HEADER: "corr-fail"})
        bad.get(timeout=30, propagate=False)
        received = {}
        simple = conn.SimpleQueue(queue, no_ack=True)
        deadline = time.monotonic() + 20
        while len(received) < 2 and time.monotonic() < deadline:
            try:
                msg = simple.get(timeout=1)
            except simple.Empty:
                continue
            received[msg.delivery_info["routing_key"]] = msg.payload
        simple.close()
        queue(conn.default_channel).delete()
    happened = received["ocr.test.happened"]
    assert happened["id"] == event_id
    assert happened["correlation_id"] == "corr-ev"
    assert happened["data"] == {"value": "ă"}
    assert happened["source"]["worker"] == "ocr" and happened["error"] is None
    assert happened["occurred_at"].endswith("Z") or "+00:00" in happened["occurred_at"]
    failed = received["ocr.test.strict.failed"]
    assert failed["correlation_id"] == "corr-fail"
    assert failed["error"]["code"] == "invalid_payload"
    assert failed["data"]["task_id"] == bad.id


def test_task_spans_follow_messaging_conventions(start_worker, celery_client):
    worker = start_worker("ocr", env={"OTEL_TRACES_EXPORTER": "console"})
    result = celery_client.send_task("ocr.ping", headers={CORRELATION_HEADER: "corr-span"})
    result.get(timeout=30)
    deadline = time.monotonic() + 10
    spans = []
    while not spans and time.monotonic() < deadline:
        spans = [json.loads(line) for line in worker.logs().splitlines() if line.startswith('{"name": "process ocr"')]
        time.sleep(0.2)
    (span,) = spans
    assert span["kind"] == "SpanKind.CONSUMER"
    attrs = span["attributes"]
    assert attrs["messaging.system"] == "rabbitmq"
    assert attrs["messaging.destination.name"] == "ocr"
    assert attrs["messaging.message.id"] == result.id
    assert attrs["messaging.message.conversation_id"] == "corr-span"
    logged = [
        json.loads(line)
        for line in worker.logs().splitlines()
        if line.startswith("{") and f'"task_id": "{result.id}"' in line
    ]
    assert logged and all(r["trace_id"] == span["context"]["trace_id"].removeprefix("0x") for r in logged)
