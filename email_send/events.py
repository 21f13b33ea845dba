"""Events of the ``email.send`` worker (declarations for the AsyncAPI document and the SDKs)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.worker import EventSpec

__all__ = ["EVENTS", "EmailBatchSent", "EmailSent"]


class EmailSent(BaseModel):
    """One e-mail went out now (a duplicate publishes nothing); no addresses, only their number."""

    message_id: str
    idempotency_key: str
    recipients: int
    size: int


class EmailBatchSent(BaseModel):
    """A batch delivered at least one message, now (``sent``) or by an earlier attempt (``duplicates``); a
    redelivered batch publishes it again under the same envelope ``id``."""

    sent: int
    duplicates: int
    failed: int
    message_ids: list[str] = Field(description="Message-ID of every delivered message of the batch.")


EVENTS: tuple[EventSpec, ...] = (
    EventSpec("email.sent", EmailSent, "An e-mail was accepted by the SMTP relay."),
    EventSpec("email.batch_sent", EmailBatchSent, "A batch of e-mails was sent (per-message outcomes in the result)."),
)
