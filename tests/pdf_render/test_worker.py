"""`pdf.render` end to end: RabbitMQ -> a real worker process (real Chromium) -> artifact + Redis result."""

from __future__ import annotations

import hashlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from celery import Celery

from shared.errors import PayloadError
from tests.pdf_render.conftest import CanaryServer, chromium_browser_pids, pdf_text
from tests.pdf_render.test_rendering import INVOICE
from tests.support.workers import WorkerProcess

pytestmark = pytest.mark.chromium


def test_render_through_the_worker_survives_a_chromium_crash_and_blocks_ssrf(
    start_worker: Callable[..., WorkerProcess], celery_client: Celery, worker_env: dict[str, str], canary: CanaryServer
) -> None:
    worker = start_worker("pdf.render", env={"PDF_POOL_SIZE": "2"})
    result = celery_client.send_task(
        "pdf.render", kwargs={"template": "invoice.html", "data": INVOICE, "filename": "factura FCT-2026-0042.pdf"}
    )
    body = result.get(timeout=60)
    assert body["pages"] == 1 and body["content_type"] == "application/pdf"
    data = (Path(worker_env["ARTIFACT_DIR"]) / body["key"]).read_bytes()
    assert len(data) == body["size"] and hashlib.sha256(data).hexdigest() == body["sha256"]
    assert body["key"].endswith("factura_FCT-2026-0042.pdf")
    text = pdf_text(data)
    assert "Întreprinderea Țesătoria Bârlad SA" in text and "6.556,52 lei" in text

    # SSRF attempt through the queue: refused inside the worker, nothing reaches the canary
    o = canary.origin
    html = (
        f"<p>raport</p><img src='{o}/img/w1'><iframe src='http://2130706433:{canary.port}/page/w2'></iframe>"
        f"<link rel=stylesheet href='HTTP://[::ffff:127.0.0.1]:{canary.port}/css/w3'>"
    )
    body = celery_client.send_task("pdf.render", kwargs={"html": html}).get(timeout=60)
    time.sleep(0.5)
    assert canary.hits == []
    assert {b["reason"] for b in body["blocked"]} == {"scheme"} and len(body["blocked"]) == 3
    assert "CANARY" not in pdf_text((Path(worker_env["ARTIFACT_DIR"]) / body["key"]).read_bytes())
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    assert 'workers_core_pdf_blocked_requests_total{reason="scheme"} 3.0' in metrics

    # Chromium dies under the pool child: the next task still succeeds, on a new browser
    assert worker.proc is not None
    [pid] = chromium_browser_pids(worker.proc.pid)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    body = celery_client.send_task("pdf.render", kwargs={"html": "<p>după crash</p>"}).get(timeout=60)
    assert "după crash" in pdf_text((Path(worker_env["ARTIFACT_DIR"]) / body["key"]).read_bytes())
    new = chromium_browser_pids(worker.proc.pid)
    assert len(new) == 1 and new != [pid]
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    assert 'workers_core_pdf_browser_launches_total{cause="start"} 1.0' in metrics
    assert 'workers_core_pdf_browser_launches_total{cause="crash"} 1.0' in metrics


def test_bad_payloads_fail_fast_and_deep_health_renders(
    start_worker: Callable[..., WorkerProcess], celery_client: Celery
) -> None:
    worker = start_worker("pdf.render")
    result = celery_client.send_task("pdf.render", kwargs={"html": "<p>x</p>", "url": "https://example.ro/"})
    with pytest.raises(PayloadError) as info:
        result.get(timeout=30)
    assert info.value.to_dict()["retryable"] is False
    result = celery_client.send_task("pdf.render", kwargs={"url": "http://127.0.0.1:9/"})
    with pytest.raises(PayloadError) as info:
        result.get(timeout=30)
    assert info.value.errors[0]["loc"] == ["url"] and "scheme" in info.value.errors[0]["msg"]
    result = celery_client.send_task("pdf.render", kwargs={"template": "lipsa.html"})
    with pytest.raises(PayloadError) as info:
        result.get(timeout=30)
    assert info.value.errors[0]["type"] == "template_not_found"

    response = httpx.get(worker.health_url + "/readyz", params={"deep": "true"}, timeout=15)
    assert response.status_code == 200, response.text
    (check,) = [c for c in response.json()["deep"] if c["name"] == "chromium"]
    assert check["status"] == "ok" and check["details"]["pages"] == 1


def test_a_render_publishes_pdf_rendered(
    start_worker: Callable[..., WorkerProcess], celery_client: Celery, broker_url: str
) -> None:
    """The package's own names (``PDF_RENDER_*``) configure the worker; the handler's event reaches the bus."""
    import uuid

    from kombu import Connection, Queue

    from shared.events import EVENTS_EXCHANGE

    start_worker("pdf.render", env={"PDF_RENDER_POOL_SIZE": "1", "PDF_RENDER_MAX_PAGES": "3"})
    with Connection(broker_url) as conn:
        events = Queue(
            f"test-pdf-events-{uuid.uuid4().hex[:6]}",
            exchange=EVENTS_EXCHANGE,
            routing_key="pdf.#",
            durable=False,
            auto_delete=True,
        )
        events(conn.default_channel).declare()
        body = celery_client.send_task("pdf.render", kwargs={"html": "<p>eveniment</p>"}).get(timeout=60)
        too_long = "".join("<p style='page-break-after: always'>p</p>" for _ in range(5))
        refused = celery_client.send_task("pdf.render", kwargs={"html": too_long})
        with pytest.raises(PayloadError):
            refused.get(timeout=60)
        simple = conn.SimpleQueue(events, no_ack=True)
        event = simple.get(timeout=20).payload
        simple.close()
    assert event["event"] == "pdf.rendered"
    assert event["data"] == {"key": body["key"], "pages": 1, "size": body["size"], "sha256": body["sha256"]}
