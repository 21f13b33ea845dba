"""Tasks of the ``email.send`` worker: handlers over ``EmailSendServices`` (no Celery here; ``email_send.app`` declares them).

Without an ``idempotency_key`` the task id is the key, so a redelivered task never sends twice.
"""

from __future__ import annotations

from typing import Any

from email_send.models import EmailBatchRequest, EmailBatchResult, EmailRequest, EmailResult
from email_send.service import EmailSendServices
from shared.events import event_id_for
from shared.worker import Emit, Outcome, TaskContext, TaskSpec

__all__ = ["TASKS", "send", "send_batch"]


def send(services: EmailSendServices, request: EmailRequest, ctx: TaskContext) -> Outcome:
    """Send one e-mail; ``email.sent`` whether it went out now or under an earlier attempt.

    The earlier attempt may have died (broker connection lost) before its event went out, so the "duplicate"
    path publishes it again; the envelope id is derived from the idempotency key and the data are those of the
    first send, so every copy is the same event and consumers dedupe on ``id``.
    """
    result = services.email.send(request, default_key=f"task:{ctx.task_id}")
    event = Emit(
        "email.sent",
        {
            "message_id": result.message_id,
            "idempotency_key": result.idempotency_key,
            "recipients": len(result.recipients),
            "size": result.size,
        },
        id=event_id_for("email.sent", result.idempotency_key),
    )
    return Outcome(result, events=[event])


def send_batch(services: EmailSendServices, batch: EmailBatchRequest, ctx: TaskContext) -> Outcome:
    """Send many e-mails in one task (bulk runs); per-message outcomes in ``items``, one ``email.batch_sent``.

    The event goes out whenever a message of the batch is delivered, now or by an earlier attempt: a redelivery
    (everything ``duplicate``) publishes it again under the same envelope id (from the task key), since the first
    attempt may have died before its event left. ``message_ids`` lists every delivered message of the batch.
    """
    key = f"task:{ctx.task_id}"
    result = services.batch.send(batch, default_key=key)
    if not (result.sent or result.duplicates):
        return Outcome(result, events=[])
    delivered = [i.message_id for i in result.items if i.status in ("sent", "duplicate") and i.message_id]
    event = Emit(
        "email.batch_sent",
        {"sent": result.sent, "duplicates": result.duplicates, "failed": result.failed, "message_ids": delivered},
        id=event_id_for("email.batch_sent", key),
    )
    return Outcome(result, events=[event])


# track_started=False: a send takes milliseconds, a STARTED state would cost one more result-backend write per
# message for nothing (the worker's metrics still count starts through task_prerun)
_QUICK = {"track_started": False}

TASKS: tuple[TaskSpec[EmailSendServices, Any], ...] = (
    TaskSpec(
        "email.send",
        EmailRequest,
        send,
        EmailResult,
        options=_QUICK,
        sensitive=("to", "cc", "bcc", "text", "html", "data", "attachments"),
    ),
    TaskSpec(
        "email.send_batch", EmailBatchRequest, send_batch, EmailBatchResult, options=_QUICK, sensitive=("messages",)
    ),
)
