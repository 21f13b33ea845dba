"""Settings of the e-mail worker: the message policy (``EMAIL_SEND_*``) and its SMTP relay (``EMAIL_SEND_SMTP_*``).

The names before the ``<PACKAGE>_`` scheme (``EMAIL_*``, ``SMTP_*``) are still read; the new ones win.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings_aliases import RenamedPrefixSettings

__all__ = ["EmailSendSettings", "SmtpSettings", "get_settings"]

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class SmtpSettings(RenamedPrefixSettings):
    """How to reach and authenticate to the SMTP relay; one pool of sessions per worker process."""

    model_config = SettingsConfigDict(
        env_prefix="EMAIL_SEND_SMTP_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )
    old_env_prefixes = ("SMTP_",)

    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    #: STARTTLS upgrade after connecting (required when true, never when false); port 587 style.
    #: Unset: true, unless ``SMTP_TLS`` is on.
    starttls: bool | None = None
    #: Implicit TLS from the first byte (SMTPS, port 465 style); excludes ``starttls``.
    tls: bool = False
    validate_certs: bool = True
    #: Extra CA bundle (PEM) to trust, e.g. an internal relay's CA.
    ca_file: Path | None = None
    #: Name sent in EHLO; defaults to the machine's FQDN.
    local_hostname: str | None = None
    timeout: float = Field(default=60.0, gt=0)
    connect_timeout: float = Field(default=10.0, gt=0)
    #: Authenticated sessions kept per worker process.
    pool_size: int = Field(default=2, ge=1, le=20)
    #: A session is closed (QUIT) and replaced after this many messages (nodemailer's default).
    max_messages_per_connection: int = Field(default=100, ge=1)
    #: An idle session older than this is probed with NOOP before reuse.
    idle_probe_seconds: float = Field(default=15.0, ge=0)
    #: An idle session older than this is closed instead of reused (servers drop idle clients).
    max_idle_seconds: float = Field(default=240.0, gt=0)

    @model_validator(mode="after")
    def _one_tls_mode(self) -> SmtpSettings:
        if self.starttls is None:
            self.starttls = not self.tls
        if self.tls and self.starttls:
            raise ValueError(
                "EMAIL_SEND_SMTP_TLS (implicit TLS) and EMAIL_SEND_SMTP_STARTTLS are mutually exclusive; set one"
            )
        if (self.username is None) != (self.password is None):
            raise ValueError("EMAIL_SEND_SMTP_USERNAME and EMAIL_SEND_SMTP_PASSWORD go together")
        plaintext = not (self.tls or self.starttls)
        if (
            plaintext
            and self.username is not None
            and self.host not in _LOOPBACK
            and self.workers_core_env != "development"
        ):
            raise ValueError(
                "SMTP AUTH without TLS sends the password in clear: set EMAIL_SEND_SMTP_STARTTLS or EMAIL_SEND_SMTP_TLS"
            )
        return self


class EmailSendSettings(RenamedPrefixSettings):
    """Message policy: sender, limits, idempotency window, extra template directory; and the SMTP relay."""

    model_config = SettingsConfigDict(
        env_prefix="EMAIL_SEND_", env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )
    old_env_prefixes = ("EMAIL_",)

    #: Envelope sender and ``From`` address of every message.
    from_address: str = Field(
        default="no-reply@example.com", validation_alias=AliasChoices("EMAIL_SEND_FROM", "EMAIL_FROM")
    )
    from_name: str | None = None
    max_recipients: int = Field(default=100, ge=1)
    #: Whole message as sent (MIME-encoded, base64 attachments included).
    max_message_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    #: One attachment (decoded bytes).
    max_attachment_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    #: An attachment given inline as base64 in the task payload (decoded bytes); bigger ones go by artifact key.
    max_inline_attachment_bytes: int = Field(default=256 * 1024, ge=1)
    max_attachments: int = Field(default=20, ge=0)
    #: Messages in one ``email.send_batch`` task.
    max_batch: int = Field(default=200, ge=1, le=500)
    #: How long a sent message's idempotency key is remembered.
    idempotency_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    #: How long an in-progress claim blocks other attempts; must exceed the task's hard time limit.
    idempotency_lock_seconds: int = Field(default=150, ge=1)
    #: Extra Jinja2 templates (``<name>/subject.txt``, ``body.txt``, ``body.html``), searched first.
    template_dir: Path | None = None
    #: The relay (``EMAIL_SEND_SMTP_*``), read from the environment on its own.
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)


@lru_cache(maxsize=1)
def get_settings() -> EmailSendSettings:
    """The process's e-mail settings (the CLI; the worker reads them once through its ``WorkerSpec``)."""
    return EmailSendSettings()
