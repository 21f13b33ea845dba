"""`ocr.ping` goes through RabbitMQ to a real `ocr` worker process and back through Redis."""

from __future__ import annotations

import httpx


def test_ping_round_trip(start_worker, celery_client):
    worker = start_worker("ocr")
    result = celery_client.send_task("ocr.ping", kwargs={"echo": "salut, ocr"})
    body = result.get(timeout=30)
    assert body["pong"] is True
    assert body["tag"] == "ocr"
    assert body["echo"] == "salut, ocr"
    assert body["hostname"] == worker.hostname
    assert result.state == "SUCCESS"
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    assert 'celery_task_succeeded_total{hostname="' in metrics
    assert 'name="ocr.ping"' in metrics
