"""Tasks of the ``email.send`` worker: handlers over ``EmailSendServices`` (no Celery here; ``email_send.app`` declares them).

Without an ``idempotency_key`` the task id is the key, so a redelivered task never sends twice.
"""

from __future__ import annotations

from typing import Any

from email_send.models import EmailBatchRequest, EmailBatchResult, EmailRequest, EmailResult
from email_send.service import EmailSendServices
from shared.worker import Emit, Outcome, TaskContext, TaskSpec

__all__ = ["TASKS", "send", "send_batch"]


def send(services: EmailSendServices, request: EmailRequest, ctx: TaskContext) -> Outcome:
    """Send one e-mail; ``email.sent`` when it went out now (a duplicate publishes nothing)."""
    result = services.email.send(request, default_key=f"task:{ctx.task_id}")
    events = []
    if result.status == "sent":
        events.append(
            Emit(
                "email.sent",
                {
                    "message_id": result.message_id,
                    "idempotency_key": result.idempotency_key,
                    "recipients": len(result.recipients),
                    "size": result.size,
                },
            )
        )
    return Outcome(result, events=events)


def send_batch(services: EmailSendServices, batch: EmailBatchRequest, ctx: TaskContext) -> Outcome:
    """Send many e-mails in one task (bulk runs); per-message outcomes in ``items``, one event per batch."""
    result = services.batch.send(batch, default_key=f"task:{ctx.task_id}")
    events = []
    if result.sent:
        events.append(
            Emit(
                "email.batch_sent",
                {
                    "sent": result.sent,
                    "duplicates": result.duplicates,
                    "failed": result.failed,
                    "message_ids": [item.message_id for item in result.items if item.status == "sent"],
                },
            )
        )
    return Outcome(result, events=events)


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
