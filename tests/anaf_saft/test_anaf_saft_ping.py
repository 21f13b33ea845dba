"""`anaf.saft.ping` goes through RabbitMQ to a real `anaf.saft` worker process and back through Redis."""

from __future__ import annotations

import httpx


def test_ping_round_trip(start_worker, celery_client):
    worker = start_worker("anaf.saft")
    result = celery_client.send_task("anaf.saft.ping", kwargs={"echo": "salut, anaf.saft"})
    body = result.get(timeout=30)
    assert body["pong"] is True
    assert body["tag"] == "anaf.saft"
    assert body["echo"] == "salut, anaf.saft"
    assert body["hostname"] == worker.hostname
    assert result.state == "SUCCESS"
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    assert 'celery_task_succeeded_total{hostname="' in metrics
    assert 'name="anaf.saft.ping"' in metrics
