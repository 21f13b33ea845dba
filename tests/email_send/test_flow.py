"""`email.send` through RabbitMQ to a real worker process and a real SMTP server (STARTTLS + AUTH)."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import httpx
import pytest
from kombu import Connection, Queue

from shared.artifacts import FilesystemArtifactStore
from shared.events import EVENTS_EXCHANGE
from tests.email_send.conftest import worker_env_for
from tests.email_send.smtpd import SmtpServer


def failure(result: Any) -> dict[str, Any]:
    result.get(timeout=60, propagate=False)
    assert result.state == "FAILURE", result.state
    err = result.result.args[0]
    assert isinstance(err, dict)
    return err


def test_templated_email_with_attachments_arrives_intact(
    start_worker, celery_client, smtp_server: SmtpServer, artifact_dir, broker_url
) -> None:
    store = FilesystemArtifactStore(artifact_dir)
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 64
    ref = store.put(pdf, name="factura.pdf", content_type="application/pdf")
    start_worker("email.send", env=worker_env_for(smtp_server))
    with Connection(broker_url) as conn:
        events = Queue(
            f"test-email-events-{uuid.uuid4().hex[:6]}",
            exchange=EVENTS_EXCHANGE,
            routing_key="email.#",
            durable=False,
            auto_delete=True,
        )
        events(conn.default_channel).declare()
        result = celery_client.send_task(
            "email.send",
            kwargs={
                "to": [{"email": "ana.muresan@exemplu.ro", "name": "Ana Mureșan"}],
                "bcc": ["arhiva@firma.ro"],
                "template": "invoice_issued",
                "data": {
                    "client_name": "Ana Mureșan",
                    "invoice_number": "FCT-2026-0042",
                    "company": "Țesătoria Șerban SRL",
                    "amount": "2380.00",
                    "due_date": "15.01.2027",
                    "note": "Plata în contul RO49AAAA1B31007593840000",
                },
                "attachments": [
                    {"filename": "Factură FCT-2026-0042.pdf", "artifact_key": ref.key},
                    {
                        "filename": "detalii.txt",
                        "content_base64": base64.b64encode("Întrebări? Sunați-ne.".encode()).decode(),
                    },
                ],
            },
        ).get(timeout=60)
        assert result["status"] == "sent" and result["smtp"]["code"] == 250
        assert result["recipients"] == ["ana.muresan@exemplu.ro", "arhiva@firma.ro"]
        simple = conn.SimpleQueue(events, no_ack=True)
        event = simple.get(timeout=20).payload
        simple.close()
    assert event["event"] == "email.sent" and event["data"]["message_id"] == result["message_id"]
    [received] = smtp_server.messages
    assert received.tls and received.user == "mailer"
    assert received.rcpt_tos == ["ana.muresan@exemplu.ro", "arhiva@firma.ro"]
    msg = received.message
    assert msg["Subject"] == "Factura FCT-2026-0042 de la Țesătoria Șerban SRL"
    assert msg["To"].addresses[0].display_name == "Ana Mureșan"
    assert msg["From"].addresses[0].display_name == "Firmă SRL"
    assert msg["Message-ID"] == result["message_id"]
    assert "Bcc" not in msg and b"arhiva@firma.ro" not in received.data
    text = msg.get_body(("plain",)).get_content()
    assert "Bună ziua, Ana Mureșan" in text and "2.380,00 lei" in text and "Mențiune: Plata în contul" in text
    files = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    assert files["Factură FCT-2026-0042.pdf"] == pdf
    assert files["detalii.txt"] == "Întrebări? Sunați-ne."


def test_one_login_serves_many_tasks(start_worker, celery_client, smtp_server: SmtpServer) -> None:
    start_worker("email.send", env=worker_env_for(smtp_server))
    results = [
        celery_client.send_task("email.send", kwargs={"to": [f"c{i}@exemplu.ro"], "subject": f"Nr. {i}", "text": "ț"})
        for i in range(25)
    ]
    assert [r.get(timeout=60)["status"] for r in results] == ["sent"] * 25
    assert len(smtp_server.messages) == 25
    assert smtp_server.recorder.logins == 1 and smtp_server.recorder.connections == 1


BAD_PAYLOADS: list[tuple[dict[str, Any], list[str]]] = [
    ({"to": ["victima@exemplu.ro"], "subject": "Salut\r\nBcc: toti@exemplu.ro", "text": "x"}, ["subject"]),
    ({"to": ["nu-e-o-adresa"], "subject": "s", "text": "x"}, ["to", "0", "email"]),
    ({"to": ["a@exemplu.ro"], "subject": "s", "text": "x", "headers": {"X-Tag": "a\nBcc: x@evil.ro"}}, ["headers"]),
    (
        {
            "to": ["a@exemplu.ro"],
            "subject": "s",
            "text": "x",
            "attachments": [{"filename": "mare.bin", "content_base64": base64.b64encode(b"x" * 300_000).decode()}],
        },
        ["attachments", "0", "content_base64"],
    ),
    (
        {
            "to": ["a@exemplu.ro"],
            "subject": "s",
            "text": "x",
            "attachments": [{"filename": "f.pdf", "artifact_key": "../../etc/passwd"}],
        },
        ["key"],
    ),
    ({"to": ["a@exemplu.ro"], "template": "invoice_issued", "data": {}}, ["data"]),
]


def test_bad_input_fails_at_once_and_sends_nothing(start_worker, celery_client, smtp_server: SmtpServer) -> None:
    worker = start_worker("email.send", env=worker_env_for(smtp_server))
    results = [(celery_client.send_task("email.send", kwargs=payload), loc) for payload, loc in BAD_PAYLOADS]
    for result, loc in results:
        err = failure(result)
        assert err["code"] == "invalid_payload" and err["retryable"] is False
        assert any([str(p) for p in e["loc"]][: len(loc)] == loc for e in err["errors"]), err
    assert smtp_server.messages == [] and smtp_server.recorder.connections == 0
    assert "retrying" not in worker.logs()


def test_smtp_rejection_fails_with_the_servers_reply(start_worker, celery_client, smtp_server: SmtpServer) -> None:
    start_worker("email.send", env=worker_env_for(smtp_server))
    smtp_server.recorder.refuse(
        "inexistent@exemplu.ro", "550 5.1.1 <inexistent@exemplu.ro>: Recipient address rejected"
    )
    err = failure(
        celery_client.send_task(
            "email.send", kwargs={"to": ["bun@exemplu.ro", "inexistent@exemplu.ro"], "subject": "s", "text": "x"}
        )
    )
    assert err["code"] == "smtp_rejected" and err["retryable"] is False
    assert err["details"]["smtp_code"] == 550
    assert "Recipient address rejected" in err["details"]["smtp_message"]
    assert err["details"]["recipients"][0]["recipient"] == "inexistent@exemplu.ro"
    assert smtp_server.messages == []


def test_transient_reply_is_retried_and_sent_once(start_worker, celery_client, smtp_server: SmtpServer) -> None:
    worker = start_worker("email.send", env=worker_env_for(smtp_server))
    smtp_server.recorder.reply_to_data("451 4.7.1 Greylisted, try again later")
    result = celery_client.send_task(
        "email.send", kwargs={"to": ["a@exemplu.ro"], "subject": "Reîncercare", "text": "x"}
    )
    body = result.get(timeout=60)
    assert body["status"] == "sent"
    assert len(smtp_server.messages) == 1
    assert "transient failure, retrying" in worker.logs()


def test_redelivered_task_never_sends_twice(start_worker, celery_client, smtp_server: SmtpServer) -> None:
    worker = start_worker("email.send", env=worker_env_for(smtp_server))
    task_id = str(uuid.uuid4())
    kwargs = {"to": ["a@exemplu.ro"], "subject": "O singură dată", "text": "x"}
    first = celery_client.send_task("email.send", kwargs=kwargs, task_id=task_id).get(timeout=60)
    assert first["status"] == "sent" and first["idempotency_key"] == f"task:{task_id}"
    # the same message again: a redelivery carries the same task id and no caller key
    celery_client.send_task("email.send", kwargs=kwargs, task_id=task_id)
    celery_client.send_task("email.send.ping").get(timeout=60)  # one process, FIFO: the redelivery ran before
    assert len(smtp_server.messages) == 1
    assert worker.logs().count("email already sent under this key") == 1
    keyed = {**kwargs, "idempotency_key": f"comanda-{uuid.uuid4().hex}"}
    a = celery_client.send_task("email.send", kwargs=keyed).get(timeout=60)
    b = celery_client.send_task("email.send", kwargs=keyed).get(timeout=60)
    assert (a["status"], b["status"]) == ("sent", "duplicate") and b["message_id"] == a["message_id"]
    assert len(smtp_server.messages) == 2


@pytest.mark.slow
def test_worker_killed_mid_send_delivers_exactly_once(start_worker, celery_client, smtp_server: SmtpServer) -> None:
    env = worker_env_for(smtp_server, EMAIL_IDEMPOTENCY_LOCK_SECONDS="4")
    worker = start_worker("email.send", env=env)
    smtp_server.recorder.rcpt_delay = 30.0  # the worker is stuck in RCPT TO when the node dies
    result = celery_client.send_task(
        "email.send",
        kwargs={
            "to": ["a@exemplu.ro"],
            "subject": "Crash",
            "text": "x",
            "idempotency_key": f"crash-{uuid.uuid4().hex}",
        },
    )
    deadline = time.monotonic() + 30
    while smtp_server.recorder.logins < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    worker.kill()
    smtp_server.recorder.rcpt_delay = 0.0
    assert smtp_server.messages == []
    start_worker("email.send", env=env)  # RabbitMQ redelivers the unacked task to the new node
    body = result.get(timeout=90)
    assert body["status"] == "sent"
    smtp_server.wait_for(1)
    time.sleep(1.0)
    assert len(smtp_server.messages) == 1


def test_deep_health_check_follows_smtp(start_worker, tls_cert) -> None:
    server = SmtpServer(cert=tls_cert[0], key=tls_cert[1]).start()
    worker = start_worker("email.send", env=worker_env_for(server))
    ready = httpx.get(worker.health_url + "/readyz", params={"deep": "true"}, timeout=15)
    assert ready.status_code == 200, ready.text
    [smtp] = [c for c in ready.json()["deep"] if c["name"] == "smtp"]
    assert smtp["status"] == "ok" and smtp["details"]["tls"] is True and smtp["details"]["noop"] == 250
    assert server.recorder.logins == 0
    server.stop()
    down = httpx.get(worker.health_url + "/readyz", params={"deep": "true"}, timeout=15)
    assert down.status_code == 503
    [smtp] = [c for c in down.json()["deep"] if c["name"] == "smtp"]
    assert smtp["status"] == "fail" and "SmtpConnectionError" in smtp["error"]
    assert smtp["duration_ms"] < 5500


def test_batch_through_the_worker_survives_a_transient_failure(
    start_worker, celery_client, smtp_server: SmtpServer
) -> None:
    worker = start_worker("email.send", env=worker_env_for(smtp_server))
    smtp_server.recorder.reply_to_data("250 2.0.0 ok", "421 4.7.0 Too many messages, slow down")
    messages = [{"to": [f"c{i}@exemplu.ro"], "subject": f"Lot {i} — ședință", "text": "x"} for i in range(8)]
    body = celery_client.send_task("email.send_batch", kwargs={"messages": messages}).get(timeout=90)
    assert (body["sent"], body["duplicates"], body["failed"]) == (7, 1, 0)
    assert [i["status"] for i in body["items"]][:2] == ["duplicate", "sent"]
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [f"c{i}@exemplu.ro" for i in range(1, 8)]
    assert "batch_incomplete" in worker.logs()
