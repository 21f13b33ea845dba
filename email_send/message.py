"""Builds the MIME message and its SMTP envelope from an ``EmailRequest``, enforcing every size limit."""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import format_datetime
from typing import Any

from email_send import mime
from email_send.config import EmailSendSettings
from email_send.models import Attachment, EmailRequest, Mailbox
from email_send.templates import TemplateRenderer
from shared.artifacts import ArtifactStore
from shared.errors import PayloadError

__all__ = ["Envelope", "MessageBuilder", "OutgoingMessage", "message_id_for"]


@dataclass(frozen=True)
class Envelope:
    """``MAIL FROM`` / ``RCPT TO`` addresses; ``smtputf8`` when one of them has a non-ASCII local part."""

    sender: str
    recipients: tuple[str, ...]
    smtputf8: bool


@dataclass(frozen=True)
class OutgoingMessage:
    envelope: Envelope
    data: bytes
    message_id: str


def message_id_for(idempotency_key: str, domain: str) -> str:
    """A Message-ID derived from the idempotency key: a resent message keeps its id (receivers can dedupe)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def _payload_error(loc: list[Any], msg: str, type_: str, message: str | None = None) -> PayloadError:
    return PayloadError(message or msg, errors=[{"loc": loc, "msg": msg, "type": type_}])


def _mailbox(box: Mailbox) -> tuple[str | None, str]:
    """(display name, address) as written in headers: punycode domain; UTF-8 local part only with SMTPUTF8."""
    return box.name, box.email if box.smtputf8 else box.envelope


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class MessageBuilder:
    """Request -> (envelope, RFC 5322 bytes); bad input becomes ``PayloadError`` before anything is sent."""

    def __init__(
        self,
        settings: EmailSendSettings,
        renderer: TemplateRenderer,
        artifacts: Callable[[], ArtifactStore],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._settings = settings
        self._renderer = renderer
        self._artifacts = artifacts
        self._clock = clock
        try:
            self._sender = Mailbox(email=settings.from_address, name=settings.from_name)
        except ValueError as exc:
            raise ValueError(f"EMAIL_SEND_FROM is not a valid address: {exc}") from None

    def build(self, request: EmailRequest, *, idempotency_key: str) -> OutgoingMessage:
        s = self._settings
        recipients = request.recipients
        if len(recipients) > s.max_recipients:
            raise _payload_error(["to"], f"{len(recipients)} recipients > limit {s.max_recipients}", "too_many")
        if len(request.attachments) > s.max_attachments:
            raise _payload_error(
                ["attachments"], f"{len(request.attachments)} attachments > limit {s.max_attachments}", "too_many"
            )
        sender = Mailbox(email=self._sender.email, name=request.from_name or self._sender.name)

        if request.template is not None:
            rendered = self._renderer.render(request.template, request.data, subject=request.subject)
            subject, text, html = rendered.subject, rendered.text, rendered.html
        else:
            subject, text, html = request.subject or "", request.text, request.html

        smtputf8 = (
            sender.smtputf8 or any(box.smtputf8 for box in recipients) or any(box.smtputf8 for box in request.reply_to)
        )
        message_id = message_id_for(idempotency_key, sender.envelope.rpartition("@")[2])
        headers = [mime.address_header("From", [_mailbox(sender)], utf8=smtputf8)]
        for name, boxes in (("To", request.to), ("Cc", request.cc), ("Reply-To", request.reply_to)):
            if boxes:  # Bcc never becomes a header
                headers.append(mime.address_header(name, [_mailbox(box) for box in boxes], utf8=smtputf8))
        headers.append(mime.text_header("Subject", subject))
        headers.append(mime.text_header("Date", format_datetime(self._clock())))
        headers.append(mime.text_header("Message-ID", message_id))
        headers.extend(mime.text_header(name, value) for name, value in request.headers.items())

        related, files = self._files(request.attachments, has_html=html is not None)
        data = mime.flatten(headers, mime.assemble(text, html, related=related, attachments=files))
        if len(data) > s.max_message_bytes:
            raise _payload_error(
                ["attachments"], f"message is {len(data)} bytes > limit {s.max_message_bytes}", "too_large"
            )
        envelope = Envelope(
            sender=sender.envelope,
            recipients=tuple(box.envelope if not box.smtputf8 else box.email for box in recipients),
            smtputf8=smtputf8,
        )
        return OutgoingMessage(envelope=envelope, data=data, message_id=message_id)

    def _files(self, attachments: list[Attachment], *, has_html: bool) -> tuple[list[Message], list[Message]]:
        """(inline parts for the html body, regular attachments), each read and size-checked."""
        related: list[Message] = []
        files: list[Message] = []
        for index, att in enumerate(attachments):
            if att.inline and not has_html:
                raise _payload_error(
                    ["attachments", index, "inline"], "inline attachments need an html body", "value_error"
                )
            data = self._attachment_bytes(index, att)
            content_type = att.content_type or mimetypes.guess_type(att.filename)[0] or "application/octet-stream"
            charset = "utf-8" if content_type.startswith("text/") and _is_utf8(data) else None
            part = mime.file_part(
                data,
                content_type,
                att.filename,
                inline=att.inline,
                content_id=(att.content_id or f"att{index}") if att.inline else None,
                charset=charset,
            )
            (related if att.inline else files).append(part)
        return related, files

    def _attachment_bytes(self, index: int, att: Attachment) -> bytes:
        s = self._settings
        if att.content_base64 is not None:
            limit = min(s.max_inline_attachment_bytes, s.max_attachment_bytes)
            if len(att.content_base64) * 3 // 4 > limit + 3:
                raise _payload_error(
                    ["attachments", index, "content_base64"],
                    f"inline attachment is larger than {limit} bytes; pass it by artifact_key",
                    "too_large",
                )
            try:
                data = base64.b64decode(att.content_base64, validate=True)
            except (binascii.Error, ValueError):
                raise _payload_error(
                    ["attachments", index, "content_base64"], "not valid base64", "value_error"
                ) from None
            if len(data) > limit:
                raise _payload_error(
                    ["attachments", index, "content_base64"],
                    f"inline attachment is {len(data)} bytes > limit {limit}; pass it by artifact_key",
                    "too_large",
                )
            return data
        assert att.artifact_key is not None
        with self._artifacts().open(att.artifact_key) as fh:
            data = fh.read(s.max_attachment_bytes + 1)
        if len(data) > s.max_attachment_bytes:
            raise _payload_error(
                ["attachments", index, "artifact_key"],
                f"attachment is larger than the limit of {s.max_attachment_bytes} bytes",
                "too_large",
            )
        return data
