"""`email.send.ping` goes through RabbitMQ to a real `email.send` worker process and back through Redis."""

from __future__ import annotations

import httpx


def test_ping_round_trip(start_worker, celery_client):
    worker = start_worker("email.send")
    result = celery_client.send_task("email.send.ping", kwargs={"echo": "salut, email.send"})
    body = result.get(timeout=30)
    assert body["pong"] is True
    assert body["tag"] == "email.send"
    assert body["echo"] == "salut, email.send"
    assert body["hostname"] == worker.hostname
    assert result.state == "SUCCESS"
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    assert 'celery_task_succeeded_total{hostname="' in metrics
    assert 'name="email.send.ping"' in metrics
