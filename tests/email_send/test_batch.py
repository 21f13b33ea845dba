"""Bulk sends over real SMTP + Redis: per-message outcomes, exactly-once across a retried batch."""

from __future__ import annotations

import base64
import uuid

import pytest

from email_send.batch import BatchIncomplete, BatchSender
from email_send.config import EmailSendSettings
from email_send.models import EmailBatchRequest
from shared.artifacts import FilesystemArtifactStore
from shared.errors import PayloadError
from tests.email_send.smtpd import SmtpServer


def msg(i: int, **extra: object) -> dict[str, object]:
    return {
        "to": [f"client{i}@exemplu.ro"],
        "subject": f"Factura {i} — scadență",
        "text": f"Bună ziua, factura {i}.",
        **extra,
    }


def test_a_batch_reports_each_message(smtp_server: SmtpServer, make_service, email_settings: EmailSendSettings) -> None:
    service, client, _ = make_service(smtp_server)
    smtp_server.recorder.refuse("refuzat@exemplu.ro", "550 5.1.1 User unknown")
    batch = EmailBatchRequest(
        messages=[
            msg(0),
            {"to": ["nu-e-adresa"], "subject": "s", "text": "x"},
            msg(2),
            {"to": ["refuzat@exemplu.ro"], "subject": "s", "text": "x"},
            msg(4),
        ]
    )
    result = BatchSender(service, email_settings).send(batch, default_key=f"task:{uuid.uuid4()}")
    assert (result.sent, result.duplicates, result.failed) == (3, 0, 2)
    assert [i.status for i in result.items] == ["sent", "failed", "sent", "failed", "sent"]
    assert result.items[1].error is not None and result.items[1].error["code"] == "invalid_payload"
    assert result.items[1].error["errors"][0]["loc"][:2] == ["messages", 1]
    assert result.items[3].error is not None and result.items[3].error["details"]["smtp_code"] == 550
    assert [m.rcpt_tos for m in smtp_server.messages] == [
        ["client0@exemplu.ro"],
        ["client2@exemplu.ro"],
        ["client4@exemplu.ro"],
    ]
    assert smtp_server.recorder.logins == 1 and client.stats.sessions_opened == 1


def test_a_retried_batch_sends_every_message_exactly_once(
    smtp_server: SmtpServer, make_service, email_settings: EmailSendSettings
) -> None:
    service, _, _ = make_service(smtp_server)
    sender = BatchSender(service, email_settings)
    batch = EmailBatchRequest(messages=[msg(i) for i in range(6)])
    key = f"task:{uuid.uuid4()}"
    smtp_server.recorder.reply_to_data("250 ok", "250 ok", "451 4.3.0 Try again later")  # third message deferred
    with pytest.raises(BatchIncomplete) as info:
        sender.send(batch, default_key=key)
    assert info.value.retryable and info.value.details["index"] == 2 and info.value.details["done"] == 2
    # the scripted "250 ok" replies accept messages 0 and 1 without recording them: the server's list
    # therefore shows exactly what the retry sent
    again = sender.send(batch, default_key=key)
    assert [i.status for i in again.items] == ["duplicate", "duplicate", "sent", "sent", "sent", "sent"]
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [f"client{i}@exemplu.ro" for i in range(2, 6)]


def test_inline_attachments_go_by_artifact_in_batches(
    smtp_server: SmtpServer, make_service, email_settings: EmailSendSettings, artifact_store: FilesystemArtifactStore
) -> None:
    service, _, _ = make_service(smtp_server)
    ref = artifact_store.put(b"%PDF-1.7 factura", name="f.pdf", content_type="application/pdf")
    batch = EmailBatchRequest(
        messages=[
            msg(0, attachments=[{"filename": "f.pdf", "content_base64": base64.b64encode(b"x").decode()}]),
            msg(1, attachments=[{"filename": "Factură.pdf", "artifact_key": ref.key}]),
        ]
    )
    result = BatchSender(service, email_settings).send(batch, default_key=f"task:{uuid.uuid4()}")
    assert [i.status for i in result.items] == ["failed", "sent"]
    assert "artifact_key" in result.items[0].error["errors"][0]["msg"]  # type: ignore[index]
    [received] = smtp_server.messages
    assert [p.get_filename() for p in received.message.iter_attachments()] == ["Factură.pdf"]


def test_batch_size_is_bounded(smtp_server: SmtpServer, make_service, email_settings: EmailSendSettings) -> None:
    service, _, _ = make_service(smtp_server)
    small = email_settings.model_copy(update={"max_batch": 3})
    with pytest.raises(PayloadError) as info:
        BatchSender(service, small).send(EmailBatchRequest(messages=[msg(i) for i in range(4)]), default_key="task:x")
    assert info.value.errors[0]["type"] == "too_many"
    assert smtp_server.messages == []


def test_handlers_emit_the_same_event_for_a_send_and_its_redeliveries(
    smtp_server: SmtpServer, make_service, email_settings: EmailSendSettings, redis_conn
) -> None:
    """The task handlers over real services: the events they return are what ``create_app`` publishes."""
    from email_send.models import EmailRequest
    from email_send.service import EmailSendServices
    from email_send.tasks import send, send_batch
    from shared.events import event_id_for
    from shared.worker import TaskContext

    service, client, _ = make_service(smtp_server)
    services = EmailSendServices(
        settings=email_settings,
        email=service,
        batch=BatchSender(service, email_settings),
        smtp=client,
        redis=redis_conn,
    )
    ctx = TaskContext(task_id=str(uuid.uuid4()), retries=0, correlation_id=None)
    batch = EmailBatchRequest(messages=[msg(0), {"to": ["nu-e-adresa"], "subject": "s", "text": "x"}, msg(2)])
    first = send_batch(services, batch, ctx)
    [event] = first.events
    assert event.name == "email.batch_sent"
    assert {k: event.data[k] for k in ("sent", "duplicates", "failed")} == {"sent": 2, "duplicates": 0, "failed": 1}
    assert event.data["message_ids"] == [m.message["Message-ID"] for m in smtp_server.messages]
    # a redelivery (everything a duplicate) publishes the same event again: the first may have been lost
    [again_event] = send_batch(services, batch, ctx).events
    assert again_event.id == event.id == event_id_for("email.batch_sent", f"task:{ctx.task_id}")
    assert again_event.data["message_ids"] == event.data["message_ids"] and again_event.data["duplicates"] == 2
    empty = EmailBatchRequest(messages=[{"to": ["nu-e-adresa"], "subject": "s", "text": "x"}])
    other = TaskContext(task_id=str(uuid.uuid4()), retries=0, correlation_id=None)
    assert send_batch(services, empty, other).events == []  # nothing delivered: no event
    one = EmailRequest.model_validate(msg(7))
    sent = send(services, one, ctx)
    assert [e.name for e in sent.events] == ["email.sent"] and sent.json()["status"] == "sent"
    again = send(services, one, ctx)  # a redelivery publishes the same event again (the first may be lost)
    assert again.events == sent.events and again.json()["status"] == "duplicate"
    assert again.events[0].id == event_id_for("email.sent", sent.json()["idempotency_key"])
    assert len(smtp_server.messages) == 3
