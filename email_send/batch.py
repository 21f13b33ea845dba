"""Bulk sends: many messages in one task, each with its own idempotency key, over the same SMTP sessions.

One task per message costs a broker round trip, a result write and an event each; a batch pays those
once. Every message keeps the single-message guarantees: it is validated on its own (one bad message
is reported, the others go), and its idempotency key (its own, else ``<task key>:<index>``) makes a
retried or redelivered batch skip what was already sent. A permanent refusal is recorded and the
batch goes on; the first transient failure stops the batch and raises ``BatchIncomplete`` so the task
retries later, when the messages already sent come back as ``duplicate``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog
from pydantic import ValidationError

from email_send.config import EmailSendSettings
from email_send.models import BatchItem, EmailBatchRequest, EmailBatchResult, EmailRequest
from shared.errors import PayloadError, PermanentError, TransientError, WorkerError, error_dict

if TYPE_CHECKING:  # the service module builds a BatchSender around its EmailService
    from email_send.service import EmailService

__all__ = ["BatchIncomplete", "BatchSender"]

log = structlog.get_logger(__name__)


class BatchIncomplete(TransientError):
    """A transient failure stopped the batch; ``details`` say how far it got. Retried as a whole."""

    code = "batch_incomplete"


def _payload_error(index: int, exc: ValidationError | PayloadError) -> dict[str, Any]:
    err = PayloadError.from_validation_error(exc) if isinstance(exc, ValidationError) else exc
    out = err.to_dict()
    out["errors"] = [{**e, "loc": ["messages", index, *e.get("loc", [])]} for e in out.get("errors", [])]
    return out


class BatchSender:
    """``send(batch, default_key)`` -> ``EmailBatchResult`` over an ``EmailService``."""

    def __init__(self, service: EmailService, settings: EmailSendSettings):
        self._service = service
        self._settings = settings

    def _parse(self, index: int, payload: dict[str, Any]) -> EmailRequest:
        request = EmailRequest.model_validate(payload)
        if any(att.content_base64 is not None for att in request.attachments):
            raise PayloadError(
                "inline attachments are not accepted in batches",
                errors=[
                    {
                        "loc": ["attachments"],
                        "msg": "pass attachments by artifact_key in batches",
                        "type": "value_error",
                    }
                ],
            )
        return request

    def send(self, batch: EmailBatchRequest, *, default_key: str) -> EmailBatchResult:
        if len(batch.messages) > self._settings.max_batch:
            raise PayloadError(
                "batch too large",
                errors=[
                    {
                        "loc": ["messages"],
                        "msg": f"{len(batch.messages)} messages > limit {self._settings.max_batch}",
                        "type": "too_many",
                    }
                ],
            )
        items: list[BatchItem] = []
        for index, payload in enumerate(batch.messages):
            key = f"{default_key}:{index}"
            try:
                request = self._parse(index, payload)
                key = request.idempotency_key or key
                result = self._service.send(request, default_key=key)
            except (ValidationError, PayloadError) as exc:
                items.append(BatchItem(index=index, status="failed", error=_payload_error(index, exc)))
            except TransientError as exc:
                done = sum(1 for item in items if item.status != "failed")
                log.warning(
                    "batch stopped by a transient failure; it will be retried",
                    index=index,
                    sent=done,
                    error=exc.to_dict(),
                )
                raise BatchIncomplete(
                    f"stopped at message {index} of {len(batch.messages)}: {exc.message}",
                    retry_after=exc.retry_after,
                    details={"index": index, "done": done, "cause": exc.to_dict()},
                ) from exc
            except (PermanentError, WorkerError) as exc:
                items.append(BatchItem(index=index, status="failed", idempotency_key=key, error=error_dict(exc)))
            else:
                items.append(
                    BatchItem(
                        index=index,
                        status=result.status,
                        idempotency_key=result.idempotency_key,
                        message_id=result.message_id,
                    )
                )
        return EmailBatchResult(
            sent=sum(1 for i in items if i.status == "sent"),
            duplicates=sum(1 for i in items if i.status == "duplicate"),
            failed=sum(1 for i in items if i.status == "failed"),
            items=items,
        )
