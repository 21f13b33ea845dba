"""`pdf.render.ping` goes through RabbitMQ to a real `pdf.render` worker process and back through Redis."""

from __future__ import annotations

import httpx


def test_ping_round_trip(start_worker, celery_client):
    worker = start_worker("pdf.render")
    result = celery_client.send_task("pdf.render.ping", kwargs={"echo": "salut, pdf.render"})
    body = result.get(timeout=30)
    assert body["pong"] is True
    assert body["tag"] == "pdf.render"
    assert body["echo"] == "salut, pdf.render"
    assert body["hostname"] == worker.hostname
    assert result.state == "SUCCESS"
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    assert 'celery_task_succeeded_total{hostname="' in metrics
    assert 'name="pdf.render.ping"' in metrics
