"""Fixtures of the e-mail tests: a real aiosmtpd (STARTTLS + AUTH, or implicit TLS) and services built on it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from email_send.client import SmtpClient
from email_send.config import EmailSendSettings, SmtpSettings
from email_send.message import MessageBuilder
from email_send.service import EmailService
from email_send.templates import TemplateRenderer
from shared.artifacts import FilesystemArtifactStore
from shared.idempotency import IdempotencyGuard
from tests.email_send.smtpd import SmtpServer, make_certificate


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Self-signed certificate for localhost/127.0.0.1, made with ``cryptography`` (cert.pem is the CA file)."""
    return make_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def smtp_server(tls_cert: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """aiosmtpd requiring STARTTLS and AUTH (PLAIN/LOGIN) before MAIL."""
    server = SmtpServer(cert=tls_cert[0], key=tls_cert[1], mode="starttls").start()
    yield server
    server.stop()


@pytest.fixture
def smtps_server(tls_cert: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """aiosmtpd speaking TLS from the first byte (SMTPS), AUTH required."""
    server = SmtpServer(cert=tls_cert[0], key=tls_cert[1], mode="tls").start()
    yield server
    server.stop()


def smtp_settings_for(server: SmtpServer, **overrides: Any) -> SmtpSettings:
    env = server.env()
    values: dict[str, Any] = {
        "host": env["SMTP_HOST"],
        "port": int(env["SMTP_PORT"]),
        "starttls": server.mode == "starttls",
        "tls": server.mode == "tls",
        "ca_file": server.cert,
        "username": server.username,
        "password": server.password,
        "timeout": 10.0,
        "connect_timeout": 5.0,
        "WORKERS_CORE_ENV": "test",
    }
    values.update(overrides)
    return SmtpSettings(**values)


@pytest.fixture
def email_settings() -> EmailSendSettings:
    return EmailSendSettings(from_address="facturi@firmă-test.ro", from_name="Firmă Test SRL", WORKERS_CORE_ENV="test")


@pytest.fixture
def artifact_store(tmp_path: Path) -> FilesystemArtifactStore:
    return FilesystemArtifactStore(tmp_path / "artifacts", max_bytes=64 * 1024 * 1024)


@pytest.fixture
def builder(email_settings: EmailSendSettings, artifact_store: FilesystemArtifactStore) -> MessageBuilder:
    return MessageBuilder(email_settings, TemplateRenderer(), lambda: artifact_store)


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def make_service(
    builder: MessageBuilder, redis_conn: redis.Redis
) -> Iterator[Callable[..., tuple[EmailService, SmtpClient, IdempotencyGuard]]]:
    """``make_service(server, **smtp_overrides)`` -> (service, client, guard) over real SMTP + Redis."""
    clients: list[SmtpClient] = []

    def _make(
        server: SmtpServer, *, lock_seconds: float = 30, **overrides: Any
    ) -> tuple[EmailService, SmtpClient, IdempotencyGuard]:
        client = SmtpClient(smtp_settings_for(server, **overrides))
        clients.append(client)
        guard = IdempotencyGuard(
            redis_conn, namespace=f"email-test-{uuid.uuid4().hex[:8]}", lock_seconds=lock_seconds, ttl_seconds=600
        )
        return EmailService(builder=builder, transport=client, guard=guard), client, guard

    yield _make
    for client in clients:
        client.close()


def worker_env_for(server: SmtpServer, **extra: str) -> dict[str, str]:
    """Environment of an ``email.send`` worker subprocess talking to ``server``."""
    return {**server.env(), "EMAIL_FROM": "facturi@firma.ro", "EMAIL_FROM_NAME": "Firmă SRL", **extra}
