"""`anaf.taxpayer.ping` goes through RabbitMQ to a real `anaf.taxpayer` worker process and back through Redis."""

from __future__ import annotations

import httpx


def test_ping_round_trip(start_worker, celery_client):
    worker = start_worker("anaf.taxpayer")
    result = celery_client.send_task("anaf.taxpayer.ping", kwargs={"echo": "salut, anaf.taxpayer"})
    body = result.get(timeout=30)
    assert body["pong"] is True
    assert body["tag"] == "anaf.taxpayer"
    assert body["echo"] == "salut, anaf.taxpayer"
    assert body["hostname"] == worker.hostname
    assert result.state == "SUCCESS"
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    assert 'celery_task_succeeded_total{hostname="' in metrics
    assert 'name="anaf.taxpayer.ping"' in metrics
