"""`anaf.efactura.ping` goes through RabbitMQ to a real `anaf.efactura` worker process and back through Redis."""

from __future__ import annotations

import httpx


def test_ping_round_trip(start_worker, celery_client):
    worker = start_worker("anaf.efactura")
    result = celery_client.send_task("anaf.efactura.ping", kwargs={"echo": "salut, anaf.efactura"})
    body = result.get(timeout=30)
    assert body["pong"] is True
    assert body["tag"] == "anaf.efactura"
    assert body["echo"] == "salut, anaf.efactura"
    assert body["hostname"] == worker.hostname
    assert result.state == "SUCCESS"
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    assert 'celery_task_succeeded_total{hostname="' in metrics
    assert 'name="anaf.efactura.ping"' in metrics
