"""The SMTP session pool against a real aiosmtpd: reuse, rotation, reconnects and the error taxonomy."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from email_send.client import SmtpClient
from email_send.errors import (
    SmtpAuthenticationError,
    SmtpConnectionError,
    SmtpDeliveryUncertain,
    SmtpPermanentError,
    SmtpTransientError,
)
from email_send.message import MessageBuilder, OutgoingMessage
from email_send.models import EmailRequest
from shared.errors import PermanentError, TransientError
from tests.email_send.conftest import smtp_settings_for
from tests.email_send.smtpd import SmtpServer, free_port, make_certificate


@pytest.fixture
def make_client() -> Iterator[Callable[..., SmtpClient]]:
    clients: list[SmtpClient] = []

    def _make(server: SmtpServer, **overrides: Any) -> SmtpClient:
        client = SmtpClient(smtp_settings_for(server, **overrides))
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.close()


@pytest.fixture
def message(builder: MessageBuilder) -> Callable[..., OutgoingMessage]:
    counter = iter(range(1_000_000))

    def _message(*to: str, text: str = "Bună ziua!", **extra: Any) -> OutgoingMessage:
        n = next(counter)
        request = EmailRequest.model_validate(
            {"to": list(to) or ["client@exemplu.ro"], "subject": f"Mesaj {n} — țară", "text": text, **extra}
        )
        return builder.build(request, idempotency_key=f"pool-{n}")

    return _message


def test_many_messages_share_one_authenticated_tls_session(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server)
    for _ in range(30):
        delivery = client.send(message())
        assert delivery.code == 250
    assert len(smtp_server.messages) == 30
    assert smtp_server.recorder.connections == 1
    assert smtp_server.recorder.logins == 1
    assert all(m.tls and m.user == "mailer" for m in smtp_server.messages)
    assert client.stats.sessions_opened == 1


def test_session_is_replaced_after_max_messages(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server, max_messages_per_connection=5)
    for _ in range(12):
        client.send(message())
    assert len(smtp_server.messages) == 12
    assert smtp_server.recorder.logins == 3
    assert client.stats.sessions_opened == 3


def test_sessions_share_one_tls_context_and_a_rotated_ca_file_is_picked_up(
    smtp_server: SmtpServer, make_client, message, tmp_path: Path
) -> None:
    wrong_ca, _ = make_certificate(tmp_path / "other-ca")  # did not sign the server's certificate
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(wrong_ca.read_bytes())
    client = make_client(smtp_server, ca_file=ca_file, max_messages_per_connection=1)
    with pytest.raises(SmtpPermanentError) as info:
        client.send(message())
    assert info.value.code == "smtp_tls_verify_failed" and smtp_server.messages == []

    ca_file.write_bytes(smtp_server.cert.read_bytes())  # the operator rotates the CA bundle; no restart
    for _ in range(4):
        assert client.send(message()).code == 250
    assert len(smtp_server.messages) == 4
    assert client.stats.sessions_opened == 4  # one per message (max 1); the refused handshake opened none
    assert client.stats.tls_contexts_built == 2  # not one per session: the CA store is loaded once per CA file


def test_implicit_tls(smtps_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtps_server)
    client.send(message())
    client.send(message())
    assert [m.tls for m in smtps_server.messages] == [True, True]
    assert smtps_server.recorder.logins == 1


@pytest.mark.parametrize(
    "reply",
    [
        "421 4.3.2 Service shutting down",
        "450 4.2.1 Mailbox busy",
        "451 4.3.0 Local error in processing",
        "452 4.3.1 Insufficient system storage",
    ],
)
def test_transient_replies_become_transient_errors(smtp_server: SmtpServer, make_client, message, reply: str) -> None:
    client = make_client(smtp_server)
    smtp_server.recorder.reply_to_data(reply)
    with pytest.raises(SmtpTransientError) as info:
        client.send(message())
    err = info.value
    assert isinstance(err, TransientError) and err.retryable
    assert err.smtp_code == int(reply[:3])
    assert err.details["smtp_message"] in reply
    assert smtp_server.messages == []
    client.send(message())  # the next message goes through (same or a fresh session)
    assert len(smtp_server.messages) == 1


def test_permanent_reply_fails_with_the_servers_text(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server)
    smtp_server.recorder.reply_to_data("554 5.7.1 Message rejected: looks like spam")
    with pytest.raises(SmtpPermanentError) as info:
        client.send(message())
    err = info.value
    assert isinstance(err, PermanentError) and not err.retryable
    assert err.to_dict()["details"] == {
        "smtp_code": 554,
        "smtp_message": "5.7.1 Message rejected: looks like spam",
        "stage": "data",
    }
    assert "554 5.7.1 Message rejected" in err.message


def test_one_refused_recipient_means_nothing_is_sent(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server)
    smtp_server.recorder.refuse("necunoscut@exemplu.ro", "550 5.1.1 <necunoscut@exemplu.ro>: User unknown")
    with pytest.raises(SmtpPermanentError) as info:
        client.send(message("bun@exemplu.ro", "necunoscut@exemplu.ro"))
    assert info.value.details["recipients"] == [
        {
            "recipient": "necunoscut@exemplu.ro",
            "smtp_code": 550,
            "smtp_message": "5.1.1 <necunoscut@exemplu.ro>: User unknown",
        }
    ]
    assert smtp_server.messages == []
    client.send(message("bun@exemplu.ro"))  # envelope was reset: the session is still good
    assert smtp_server.messages[0].rcpt_tos == ["bun@exemplu.ro"]
    assert client.stats.sessions_opened == 1


def test_temporarily_refused_recipient_is_transient(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server)
    smtp_server.recorder.refuse("plin@exemplu.ro", "452 4.2.2 Mailbox full")
    with pytest.raises(SmtpTransientError) as info:
        client.send(message("bun@exemplu.ro", "plin@exemplu.ro"))
    assert info.value.smtp_code == 452 and info.value.details["stage"] == "rcpt"
    assert smtp_server.messages == []


def test_connection_lost_after_data_is_uncertain(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server)
    smtp_server.recorder.drop_after_data = 1
    with pytest.raises(SmtpDeliveryUncertain) as info:
        client.send(message())
    assert info.value.retryable and info.value.details["stage"] == "data"
    assert len(smtp_server.messages) == 1  # the server did get it: that is the RFC 1047 window
    client.send(message())
    assert len(smtp_server.messages) == 2
    assert client.stats.sessions_opened == 2


def test_dropped_idle_session_is_replaced_at_checkout(smtp_server: SmtpServer, make_client, message, tcp_proxy) -> None:
    proxy = tcp_proxy("127.0.0.1", smtp_server.port)
    client = make_client(smtp_server, port=proxy.port)
    client.send(message())
    proxy.cut()  # the relay (or a NAT box) dropped our idle session
    proxy.restore()
    client.send(message())
    assert len(smtp_server.messages) == 2
    assert client.stats.sessions_opened == 2
    assert smtp_server.recorder.logins == 2


def test_session_dying_at_mail_from_is_retried_once_on_a_fresh_one(
    smtp_server: SmtpServer, make_client, message
) -> None:
    client = make_client(smtp_server)
    client.send(message())
    smtp_server.recorder.drop_on_mail = 1  # looks alive, dies on MAIL FROM: nothing was handed over yet
    client.send(message())
    assert len(smtp_server.messages) == 2
    assert client.stats.stale_reconnects == 1
    assert client.stats.sessions_opened == 2


def test_a_fresh_session_dying_is_not_retried_in_place(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server)
    smtp_server.recorder.drop_on_mail = 1
    with pytest.raises(SmtpConnectionError) as info:
        client.send(message())
    assert info.value.details["stage"] == "mail"
    assert smtp_server.messages == []


def test_idle_sessions_are_probed_with_noop(smtp_server: SmtpServer, make_client, message) -> None:
    eager = make_client(smtp_server, idle_probe_seconds=0)
    for _ in range(3):
        eager.send(message())
    assert smtp_server.recorder.noops == 2  # every reuse after "idle" probed first
    lazy = make_client(smtp_server, idle_probe_seconds=60)
    for _ in range(3):
        lazy.send(message())
    assert smtp_server.recorder.noops == 2  # hot sessions are not probed


def test_wrong_password_is_permanent(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server, password="parola-gresita")
    with pytest.raises(SmtpAuthenticationError) as info:
        client.send(message())
    assert info.value.smtp_code == 535 and not info.value.retryable
    assert smtp_server.recorder.failed_logins >= 1 and smtp_server.messages == []


def test_untrusted_certificate_is_refused(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server, ca_file=None)
    with pytest.raises(SmtpPermanentError) as info:
        client.send(message())
    assert info.value.code == "smtp_tls_verify_failed"
    assert smtp_server.messages == []


def test_unreachable_server_is_transient(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server, port=free_port(), connect_timeout=2.0)
    with pytest.raises(SmtpConnectionError) as info:
        client.send(message())
    assert info.value.retryable and info.value.details["stage"] == "connect"


def test_servers_size_limit_is_respected(tls_cert, make_client, message) -> None:
    server = SmtpServer(cert=tls_cert[0], key=tls_cert[1], data_size_limit=3000).start()
    try:
        client = make_client(server)
        with pytest.raises(SmtpPermanentError) as info:
            client.send(message(text="x" * 5000))
        assert info.value.smtp_code == 552 and info.value.details["stage"] == "size"
        client.send(message(text="scurt"))
        assert len(server.messages) == 1
        assert any(opt.upper().startswith("SIZE=") for opt in server.messages[0].mail_options)
    finally:
        server.stop()


def test_utf8_mailbox_goes_with_smtputf8(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server)
    client.send(message("ștefan@exemplu.ro"))
    received = smtp_server.messages[0]
    assert received.rcpt_tos == ["ștefan@exemplu.ro"]
    assert "SMTPUTF8" in [o.upper() for o in received.mail_options]


def test_parallel_senders_share_at_most_pool_size_sessions(smtp_server: SmtpServer, make_client, message) -> None:
    client = make_client(smtp_server, pool_size=2)
    msgs = [message() for _ in range(40)]
    errors: list[BaseException] = []

    def worker(chunk: list[OutgoingMessage]) -> None:
        try:
            for m in chunk:
                client.send(m)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(msgs[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(smtp_server.messages) == 40
    assert smtp_server.recorder.connections <= 2
    assert len({m.data for m in smtp_server.messages}) == 40


@pytest.mark.parametrize("from_thread", [False, True], ids=["inline-loop", "loop-thread"])
def test_a_stuck_server_times_out_and_the_next_message_goes_through(
    smtp_server: SmtpServer, make_client, message, from_thread: bool
) -> None:
    client = make_client(smtp_server, timeout=0.5, connect_timeout=2.0)
    outcome: list[BaseException | None] = []

    def run() -> None:
        smtp_server.recorder.rcpt_delay = 3.0
        try:
            client.send(message())
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)
        smtp_server.recorder.rcpt_delay = 0.0
        client.send(message())

    if from_thread:
        t = threading.Thread(target=run)
        t.start()
        t.join(30)
    else:
        run()
    assert isinstance(outcome[0], SmtpConnectionError) and outcome[0].retryable
    assert len(smtp_server.messages) == 1
