"""Payload and result of ``email.send``: addresses validated, header values injection-proof."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

__all__ = [
    "Attachment",
    "BatchItem",
    "EmailBatchRequest",
    "EmailBatchResult",
    "EmailRequest",
    "EmailResult",
    "Mailbox",
    "SmtpReply",
    "header_safe",
]

#: Any control character but TAB; CR and LF are the header-injection ones, the rest are never legitimate.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029\x85]")
_HEADER_NAME_RE = re.compile(r"^X-[A-Za-z0-9][A-Za-z0-9-]{0,70}$")
_CONTENT_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_CONTENT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,120}$")
_TEMPLATE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


def header_safe(value: str) -> str:
    """Reject CR/LF (header injection) and other control characters in anything that becomes a header."""
    if "\r" in value or "\n" in value:
        raise ValueError("CR/LF is not allowed here (header injection)")
    if _CONTROL_RE.search(value):
        raise ValueError("control characters are not allowed here")
    return value


_SEEN: dict[str, tuple[str, str, bool]] = {}


def _inspect(address: str) -> tuple[str, str, bool]:
    """(normalized, envelope form, needs SMTPUTF8) of an address; email-validator runs once per address."""
    hit = _SEEN.get(address)
    if hit is not None:
        return hit
    try:
        info = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise ValueError(f"invalid e-mail address: {exc}") from None
    # IDN domains go as punycode; only a non-ASCII local part needs the server's SMTPUTF8
    result = (info.normalized, info.ascii_email or f"{info.local_part}@{info.ascii_domain}", info.ascii_email is None)
    if len(_SEEN) > 10_000:
        _SEEN.clear()
    _SEEN[address] = _SEEN[info.normalized] = result
    return result


HeaderText = Annotated[str, BeforeValidator(lambda v: header_safe(v) if isinstance(v, str) else v)]


class Mailbox(BaseModel):
    """An address with an optional display name; given as ``"a@b.ro"`` or ``{"email": ..., "name": ...}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: str = Field(min_length=3, max_length=320)
    name: HeaderText | None = Field(default=None, max_length=200)
    _envelope: str = PrivateAttr(default="")
    _smtputf8: bool = PrivateAttr(default=False)

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        return {"email": value} if isinstance(value, str) else value

    @classmethod
    def __get_pydantic_json_schema__(cls, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The published contract accepts both forms, as the model does (the gateway validates with it)."""
        schema = handler(core)
        if handler.mode == "validation":
            return {"anyOf": [{"type": "string", "minLength": 3, "maxLength": 320}, schema]}
        return schema

    @field_validator("email")
    @classmethod
    def _valid_address(cls, value: str) -> str:
        header_safe(value)
        return _inspect(value)[0]

    def model_post_init(self, context: Any, /) -> None:
        _, self._envelope, self._smtputf8 = _inspect(self.email)

    @property
    def envelope(self) -> str:
        """The address as it goes on ``MAIL FROM`` / ``RCPT TO`` (punycode domain)."""
        return self._envelope

    @property
    def smtputf8(self) -> bool:
        return self._smtputf8


class Attachment(BaseModel):
    """A file to attach: by artifact key (big files) or inline base64 (small ones), never both."""

    model_config = ConfigDict(extra="forbid")

    filename: HeaderText = Field(min_length=1, max_length=255)
    content_type: str | None = None
    artifact_key: str | None = Field(default=None, max_length=512)
    content_base64: str | None = Field(default=None, max_length=16 * 1024 * 1024)
    #: ``Content-Disposition: inline`` with a ``Content-ID`` for ``cid:`` references in the HTML body.
    inline: bool = False
    content_id: str | None = None

    @field_validator("filename")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if "/" in value or "\\" in value or value in {".", ".."}:
            raise ValueError("a file name, not a path")
        return value

    @field_validator("content_type")
    @classmethod
    def _mime_type(cls, value: str | None) -> str | None:
        if value is not None and not _CONTENT_TYPE_RE.match(value.lower()):
            raise ValueError("expected a MIME type such as application/pdf")
        return value.lower() if value else value

    @field_validator("content_id")
    @classmethod
    def _cid(cls, value: str | None) -> str | None:
        if value is not None and not _CONTENT_ID_RE.match(value):
            raise ValueError("letters, digits and . _ @ - only")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Attachment:
        if (self.artifact_key is None) == (self.content_base64 is None):
            raise ValueError("give exactly one of artifact_key or content_base64")
        if self.content_id is not None and not self.inline:
            raise ValueError("content_id is only used with inline=true")
        return self


class EmailRequest(BaseModel):
    """``email.send`` kwargs: recipients, subject + text/html body or a named template, attachments."""

    model_config = ConfigDict(extra="forbid")

    to: list[Mailbox] = Field(default_factory=list)
    cc: list[Mailbox] = Field(default_factory=list)
    bcc: list[Mailbox] = Field(default_factory=list)
    reply_to: list[Mailbox] = Field(default_factory=list, max_length=10)
    from_name: HeaderText | None = Field(default=None, max_length=200)
    subject: HeaderText | None = Field(default=None, max_length=998)
    text: str | None = None
    html: str | None = None
    template: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    attachments: list[Attachment] = Field(default_factory=list)
    headers: dict[str, HeaderText] = Field(default_factory=dict, max_length=20)
    #: Same key = same message: a second send with it returns the first result and sends nothing.
    idempotency_key: str | None = None

    @field_validator("template")
    @classmethod
    def _template_name(cls, value: str | None) -> str | None:
        if value is not None and not _TEMPLATE_RE.match(value):
            raise ValueError("template names are lower-case letters, digits, - and _")
        return value

    @field_validator("headers")
    @classmethod
    def _extension_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME_RE.match(name):
                raise ValueError(f"only X-* extension headers may be set, got {name!r}")
            if len(text) > 998:
                raise ValueError(f"header {name} is longer than 998 characters")
        return value

    @field_validator("idempotency_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None and not _KEY_RE.match(value):
            raise ValueError("1-255 printable ASCII characters without spaces")
        return value

    @model_validator(mode="after")
    def _content(self) -> EmailRequest:
        if not (self.to or self.cc or self.bcc):
            raise ValueError("at least one recipient in to, cc or bcc")
        if self.template is not None:
            if self.text is not None or self.html is not None:
                raise ValueError("give either a template or text/html bodies, not both")
        else:
            if self.subject is None:
                raise ValueError("subject is required without a template")
            if self.text is None and self.html is None:
                raise ValueError("give text and/or html (or a template)")
            if self.data:
                raise ValueError("data is only used with a template")
        return self

    @property
    def recipients(self) -> list[Mailbox]:
        """Envelope recipients, de-duplicated, in order (to, cc, bcc)."""
        seen: set[str] = set()
        out: list[Mailbox] = []
        for box in (*self.to, *self.cc, *self.bcc):
            if box.envelope.lower() not in seen:
                seen.add(box.envelope.lower())
                out.append(box)
        return out


class SmtpReply(BaseModel):
    code: int
    message: str


class EmailResult(BaseModel):
    """What ``email.send`` returns: ``sent`` now, or ``duplicate`` (sent earlier under the same key)."""

    status: Literal["sent", "duplicate"]
    idempotency_key: str
    message_id: str
    recipients: list[str]
    size: int
    smtp: SmtpReply
    sent_at: datetime


class EmailBatchRequest(BaseModel):
    """``email.send_batch`` kwargs: many messages in one task (bulk runs); each is validated on its own."""

    model_config = ConfigDict(extra="forbid")

    #: ``email.send`` payloads; inline base64 attachments are refused here (pass artifact keys).
    messages: list[dict[str, Any]] = Field(min_length=1, max_length=500)


class BatchItem(BaseModel):
    """The outcome of one message of a batch (``duplicate``: sent by an earlier attempt of the same key)."""

    index: int
    status: Literal["sent", "duplicate", "failed"]
    idempotency_key: str | None = None
    message_id: str | None = None
    error: dict[str, Any] | None = None


class EmailBatchResult(BaseModel):
    sent: int
    duplicates: int
    failed: int
    items: list[BatchItem]
