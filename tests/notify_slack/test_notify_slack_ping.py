"""`notify.slack.ping` goes through RabbitMQ to a real `notify.slack` worker process and back through Redis."""

from __future__ import annotations

import httpx


def test_ping_round_trip(start_worker, celery_client):
    worker = start_worker("notify.slack")
    result = celery_client.send_task("notify.slack.ping", kwargs={"echo": "salut, notify.slack"})
    body = result.get(timeout=30)
    assert body["pong"] is True
    assert body["tag"] == "notify.slack"
    assert body["echo"] == "salut, notify.slack"
    assert body["hostname"] == worker.hostname
    assert result.state == "SUCCESS"
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    assert 'celery_task_succeeded_total{hostname="' in metrics
    assert 'name="notify.slack.ping"' in metrics
