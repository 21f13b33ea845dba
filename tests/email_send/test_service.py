"""The e-mail service over real SMTP and Redis: idempotency, claim handling and the deep health check."""

from __future__ import annotations

import json
import threading
import time

import pytest
import redis

from email_send.config import EmailSendSettings, SmtpSettings
from email_send.errors import SmtpConnectionError, SmtpDeliveryUncertain, SmtpPermanentError, SmtpTransientError
from email_send.health import deep_checks, smtp_check
from email_send.models import EmailRequest
from email_send.service import request_fingerprint
from shared.errors import PayloadError
from shared.idempotency import ClaimHeld, GuardUnavailable, IdempotencyGuard
from tests.email_send.conftest import smtp_settings_for
from tests.email_send.smtpd import SmtpServer, free_port


def request(**extra: object) -> EmailRequest:
    payload: dict[str, object] = {
        "to": ["client@exemplu.ro"],
        "subject": "Confirmare plată — mulțumim",
        "text": "Plată primită.",
    }
    payload.update(extra)
    return EmailRequest.model_validate(payload)


def test_same_key_sends_once_and_returns_the_first_result(smtp_server: SmtpServer, make_service) -> None:
    service, _, _ = make_service(smtp_server)
    first = service.send(request(idempotency_key="plata-2026-0001"))
    second = service.send(request(idempotency_key="plata-2026-0001"))
    assert first.status == "sent" and second.status == "duplicate"
    assert second.message_id == first.message_id and second.sent_at == first.sent_at
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0].message["Message-ID"] == first.message_id


def test_task_id_is_the_default_key(smtp_server: SmtpServer, make_service) -> None:
    service, _, _ = make_service(smtp_server)
    a = service.send(request(), default_key="task:abc")
    b = service.send(request(), default_key="task:abc")  # a redelivery of the same task
    c = service.send(request(), default_key="task:def")  # another task with the same content
    assert (a.status, b.status, c.status) == ("sent", "duplicate", "sent")
    assert a.idempotency_key == "task:abc"
    assert len(smtp_server.messages) == 2


def test_fingerprint_is_the_key_of_last_resort(smtp_server: SmtpServer, make_service) -> None:
    service, _, _ = make_service(smtp_server)
    first = service.send(request())
    assert first.idempotency_key == request_fingerprint(request())
    assert service.send(request()).status == "duplicate"
    assert service.send(request(text="alt text")).status == "sent"


def test_failed_send_releases_the_claim_so_the_retry_sends(smtp_server: SmtpServer, make_service) -> None:
    service, _, _ = make_service(smtp_server)
    smtp_server.recorder.reply_to_data("451 4.3.0 Try again later")
    with pytest.raises(SmtpTransientError):
        service.send(request(idempotency_key="k-retry"))
    assert smtp_server.messages == []
    assert service.send(request(idempotency_key="k-retry")).status == "sent"
    assert len(smtp_server.messages) == 1


def test_permanent_failure_is_not_remembered_as_sent(smtp_server: SmtpServer, make_service) -> None:
    service, _, _ = make_service(smtp_server)
    smtp_server.recorder.reply_to_data("550 5.7.1 Relaying denied")
    with pytest.raises(SmtpPermanentError):
        service.send(request(idempotency_key="k-perm"))
    assert service.send(request(idempotency_key="k-perm")).status == "sent"


def test_uncertain_delivery_is_retried(smtp_server: SmtpServer, make_service) -> None:
    """Documented window: the server had the message when the connection broke; the retry resends it."""
    service, _, _ = make_service(smtp_server)
    smtp_server.recorder.drop_after_data = 1
    with pytest.raises(SmtpDeliveryUncertain):
        service.send(request(idempotency_key="k-unsure"))
    assert service.send(request(idempotency_key="k-unsure")).status == "sent"
    ids = [m.message["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == 2 and ids[0] == ids[1]  # same Message-ID: receivers can collapse the copy


def test_bad_input_claims_nothing(smtp_server: SmtpServer, make_service, redis_conn: redis.Redis) -> None:
    service, _, guard = make_service(smtp_server)
    with pytest.raises(PayloadError):
        service.send(request(attachments=[{"filename": "a.bin", "content_base64": "%%%"}], idempotency_key="k-bad"))
    assert redis_conn.get(guard.redis_key("k-bad")) is None
    assert smtp_server.messages == []


def test_concurrent_attempts_send_once(smtp_server: SmtpServer, make_service) -> None:
    service, _, _ = make_service(smtp_server)
    smtp_server.recorder.data_delay = 0.3
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            outcomes.append(service.send(request(idempotency_key="k-race")).status)
        except ClaimHeld as exc:
            assert exc.retryable and exc.retry_after is not None and 0 < exc.retry_after <= 30
            outcomes.append("held")

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes).count("sent") == 1
    assert len(smtp_server.messages) == 1


def test_stale_claim_blocks_until_its_lock_expires(
    smtp_server: SmtpServer, make_service, redis_conn: redis.Redis
) -> None:
    """A worker that died between claim and send leaves a pending claim: the redelivery waits, then sends once."""
    service, _, guard = make_service(smtp_server, lock_seconds=1.0)
    guard.claim("k-crash")  # the dead attempt's claim, never completed or released
    with pytest.raises(ClaimHeld) as held:
        service.send(request(idempotency_key="k-crash"))
    assert 0 < (held.value.retry_after or 0) <= 1.0
    redis_conn.pexpire(guard.redis_key("k-crash"), 1)  # time passes
    time.sleep(0.05)
    assert service.send(request(idempotency_key="k-crash")).status == "sent"


def test_guard_release_only_deletes_its_own_claim(redis_conn: redis.Redis) -> None:
    guard = IdempotencyGuard(redis_conn, namespace="email-test-own", lock_seconds=5, ttl_seconds=60)
    mine = guard.claim("k-own")
    redis_conn.set(mine.redis_key, json.dumps({"state": "pending", "token": "someone-else"}), px=5000)
    guard.release(mine)
    assert redis_conn.get(mine.redis_key) is not None
    redis_conn.delete(mine.redis_key)


def test_guard_unavailable_means_nothing_is_sent(smtp_server: SmtpServer, builder) -> None:
    from email_send.client import SmtpClient
    from email_send.service import EmailService

    dead = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5)
    client = SmtpClient(smtp_settings_for(smtp_server))
    try:
        service = EmailService(
            builder=builder,
            transport=client,
            guard=IdempotencyGuard(dead, namespace="x", lock_seconds=5, ttl_seconds=60),
        )
        with pytest.raises(GuardUnavailable) as info:
            service.send(request(idempotency_key="k-noredis"))
        assert info.value.retryable
        assert smtp_server.messages == []
    finally:
        client.close()


def test_deep_check_connects_and_noops_without_logging_in(smtp_server: SmtpServer) -> None:
    details = smtp_check(smtp_settings_for(smtp_server))
    assert details["tls"] is True and details["noop"] == 250 and details["auth_offered"] is True
    assert details["latency_ms"] < 5000
    assert smtp_server.recorder.noops == 1 and smtp_server.recorder.logins == 0
    [check] = deep_checks(EmailSendSettings(smtp=smtp_settings_for(smtp_server), WORKERS_CORE_ENV="test"))
    assert check.name == "smtp" and check.timeout == 5.0
    again = check.check()
    assert again is not None and again["noop"] == 250 and smtp_server.recorder.noops == 2


def test_deep_check_fails_fast_when_smtp_is_down() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), WORKERS_CORE_ENV="test")
    with pytest.raises(SmtpConnectionError):
        smtp_check(settings, timeout=2.0)


def test_settings_resolve_tls_modes_and_refuse_cleartext_auth() -> None:
    assert SmtpSettings(WORKERS_CORE_ENV="test").starttls is True
    assert SmtpSettings(tls=True, WORKERS_CORE_ENV="test").starttls is False
    with pytest.raises(ValueError, match="mutually exclusive"):
        SmtpSettings(tls=True, starttls=True, WORKERS_CORE_ENV="test")
    with pytest.raises(ValueError, match="password in clear"):
        SmtpSettings(host="smtp.firma.ro", starttls=False, username="u", password="p4ss-real", WORKERS_CORE_ENV="test")
    with pytest.raises(ValueError, match="placeholder"):
        SmtpSettings(username="u", password="changeme", WORKERS_CORE_ENV="production")
    assert (
        SmtpSettings(
            host="127.0.0.1", starttls=False, username="u", password="p4ss-real", WORKERS_CORE_ENV="test"
        ).username
        == "u"
    )


def test_settings_read_the_package_prefix_and_the_old_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """``EMAIL_SEND_*`` / ``EMAIL_SEND_SMTP_*`` are the names; ``EMAIL_*`` / ``SMTP_*`` still read; new ones win."""
    monkeypatch.setenv("WORKERS_CORE_ENV", "test")
    monkeypatch.setenv("SMTP_HOST", "vechi.firma.ro")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("EMAIL_FROM", "vechi@firma.ro")
    monkeypatch.setenv("EMAIL_MAX_BATCH", "7")
    old = EmailSendSettings()
    assert (old.smtp.host, old.smtp.port, old.from_address, old.max_batch) == (
        "vechi.firma.ro",
        2525,
        "vechi@firma.ro",
        7,
    )
    monkeypatch.setenv("EMAIL_SEND_SMTP_HOST", "nou.firma.ro")
    monkeypatch.setenv("EMAIL_SEND_FROM", "nou@firma.ro")
    monkeypatch.setenv("EMAIL_SEND_MAX_BATCH", "9")
    new = EmailSendSettings()
    assert (new.smtp.host, new.smtp.port, new.from_address, new.max_batch) == ("nou.firma.ro", 2525, "nou@firma.ro", 9)
