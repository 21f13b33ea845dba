"""Tasks of the `email.send` worker (thin: validate payload -> call the service -> return JSON).

`email.send.ping` is registered by shared.celery_app.create_app for every worker.
"""

from __future__ import annotations

from typing import Any

from email_send.app import app
from email_send.batch import BatchSender
from email_send.config import get_email_settings
from email_send.models import EmailBatchRequest, EmailRequest
from email_send.service import get_email_service
from shared.events import publish_event


# track_started=False: a send takes milliseconds, a STARTED state would cost one more result-backend
# write per message for nothing (the worker's metrics still count starts through task_prerun)
@app.task(name="email.send", bind=True, track_started=False)  # type: ignore[untyped-decorator]
def send(self: Any, **kwargs: Any) -> dict[str, Any]:
    """Send one e-mail; without an ``idempotency_key`` the task id is the key, so redelivery never resends."""
    request = EmailRequest.model_validate(kwargs)
    result = get_email_service().send(request, default_key=f"task:{self.request.id}")
    if result.status == "sent":
        publish_event(
            "email.sent",
            {"message_id": result.message_id, "idempotency_key": result.idempotency_key,
             "recipients": len(result.recipients), "size": result.size},
        )
    return result.model_dump(mode="json")


@app.task(name="email.send_batch", bind=True, track_started=False)  # type: ignore[untyped-decorator]
def send_batch(self: Any, **kwargs: Any) -> dict[str, Any]:
    """Send many e-mails in one task (bulk runs); per-message outcomes in ``items``, one event per batch."""
    batch = EmailBatchRequest.model_validate(kwargs)
    result = BatchSender(get_email_service(), get_email_settings()).send(batch, default_key=f"task:{self.request.id}")
    if result.sent:
        publish_event(
            "email.batch_sent",
            {"sent": result.sent, "duplicates": result.duplicates, "failed": result.failed,
             "message_ids": [item.message_id for item in result.items if item.status == "sent"]},
        )
    return result.model_dump(mode="json")
