"""A real SMTP server for tests and the benchmark: aiosmtpd with STARTTLS (or implicit TLS) and AUTH.

It records every accepted message (envelope, bytes, TLS, authenticated user), counts connections and
logins, and can be scripted to misbehave: refuse given recipients, answer DATA with a given reply,
drop the connection after the data arrived, or stall. Run it alone with
``python -m tests.email_send.smtpd --port 8025`` (the benchmark does, to keep it off the client's core).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certificate(directory: Path, hostname: str = "localhost") -> tuple[Path, Path]:
    """A self-signed certificate for ``localhost`` / ``127.0.0.1`` (cert.pem doubles as the client's CA file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(hostname), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    user: str | None
    mail_options: list[str]
    at: float = field(default_factory=time.time)
    #: when the 250 was handed to the connection (None: never answered, e.g. ``drop_after_data``)
    replied_at: float | None = None

    @property
    def message(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


class Recorder:
    """aiosmtpd handler: records messages, counts logins, follows the script of faults."""

    def __init__(self, username: str | None, password: str | None):
        self.username, self.password = username, password
        self.messages: list[Received] = []
        self.connections = 0
        self.logins = 0
        self.failed_logins = 0
        self.rcpt_replies: dict[str, str] = {}
        self.data_replies: deque[str] = deque()
        self.drop_after_data = 0
        self.drop_on_mail = 0
        self.noops = 0
        self.rcpt_delay = 0.0
        self.data_delay = 0.0
        #: called once the message is stored, before the 250 goes out (``reply_delay`` seconds later)
        self.before_reply: Callable[[], None] | None = None
        self.reply_delay = 0.0
        self.accepted = threading.Event()
        self._lock = threading.Lock()

    # --- script ------------------------------------------------------------------------------
    def refuse(self, address: str, reply: str = "550 5.1.1 User unknown") -> None:
        self.rcpt_replies[address.lower()] = reply

    def reply_to_data(self, *replies: str) -> None:
        self.data_replies.extend(replies)

    # --- aiosmtpd hooks ----------------------------------------------------------------------
    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        )
        with self._lock:
            if ok:
                self.logins += 1
            else:
                self.failed_logins += 1
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.drop_on_mail > 0:  # the session dies before anything is handed over
            self.drop_on_mail -= 1
            assert server.transport is not None
            server.transport.abort()
            return "421 4.4.2 gone"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_NOOP(self, server: SMTP, session: Session, envelope: Envelope, arg: str) -> str:
        self.noops += 1
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        reply = self.rcpt_replies.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_replies:
            return self.data_replies.popleft()
        data = envelope.original_content or envelope.content or b""
        assert isinstance(data, bytes)
        auth = session.auth_data
        user = auth.login.decode() if isinstance(auth, LoginPassword) else None
        with self._lock:
            received = Received(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                data=data,
                tls=session.ssl is not None
                or (server.transport is not None and server.transport.get_extra_info("ssl_object") is not None),
                user=user,
                mail_options=list(envelope.mail_options),
            )
            self.messages.append(received)
            drop = self.drop_after_data > 0
            if drop:
                self.drop_after_data -= 1
        self.accepted.set()
        if self.before_reply is not None:
            self.before_reply()
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        if drop:  # the message is in, but the client never hears the 250
            assert server.transport is not None
            server.transport.close()
            return "250 OK but you will not hear it"
        received.replied_at = time.time()
        return "250 2.0.0 OK queued"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 in a background thread: ``mode`` is ``starttls``, ``tls`` or ``plain``."""

    def __init__(
        self,
        *,
        cert: Path | None = None,
        key: Path | None = None,
        mode: str = "starttls",
        username: str | None = "mailer",
        password: str | None = "parola-de-test-ș",
        port: int | None = None,
        data_size_limit: int = 32 * 1024 * 1024,
    ):
        self.mode = mode
        self.port = port or free_port()
        self.username, self.password = username, password
        self.recorder = Recorder(username, password)
        self.cert = cert
        context: ssl.SSLContext | None = None
        if mode in ("starttls", "tls"):
            assert cert is not None and key is not None, "TLS modes need a certificate"
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(cert), str(key))
        recorder = self.recorder
        auth = username is not None

        class Factory(Controller):
            def factory(inner) -> SMTP:
                recorder.connections += 1  # one protocol object per TCP connection
                with warnings.catch_warnings():  # "AUTH without requiring TLS": implicit TLS is TLS
                    warnings.simplefilter("ignore", UserWarning)
                    smtp = SMTP(
                        inner.handler,
                        hostname="localhost",
                        data_size_limit=data_size_limit,
                        enable_SMTPUTF8=True,
                        decode_data=False,
                        tls_context=context if mode == "starttls" else None,
                        require_starttls=mode == "starttls",
                        authenticator=recorder.authenticate if auth else None,
                        auth_required=auth,
                        # implicit TLS is invisible to aiosmtpd's STARTTLS bookkeeping: the socket is TLS already
                        auth_require_tls=mode == "starttls",
                    )
                return smtp

        self._controller = Factory(
            recorder,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=context if mode == "tls" else None,
            ready_timeout=10,
        )

    # convenient views ----------------------------------------------------------------------------
    @property
    def messages(self) -> list[Received]:
        return self.recorder.messages

    def env(self) -> dict[str, str]:
        """``SMTP_*`` variables that point a worker at this server."""
        env = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.port),
            "SMTP_STARTTLS": "true" if self.mode == "starttls" else "false",
            "SMTP_TLS": "true" if self.mode == "tls" else "false",
        }
        if self.cert is not None:
            env["SMTP_CA_FILE"] = str(self.cert)
        if self.username is not None and self.password is not None:
            env["SMTP_USERNAME"] = self.username
            env["SMTP_PASSWORD"] = self.password
        return env

    def wait_for(
        self, count: int, timeout: float = 20.0, predicate: Callable[[], bool] | None = None
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count and (predicate is None or predicate()):
                return list(self.messages)
            time.sleep(0.02)
        raise TimeoutError(f"expected {count} messages, got {len(self.messages)}")

    def start(self) -> SmtpServer:
        self._controller.start()
        self.recorder.connections = 0  # forget the controller's own readiness probe
        return self

    def stop(self) -> None:
        self._controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--mode", choices=("starttls", "tls", "plain"), default="starttls")
    parser.add_argument("--cert-dir", type=Path, default=None, help="where cert.pem/key.pem are (made if missing)")
    parser.add_argument("--username", default="mailer")
    parser.add_argument("--password", default="parola-de-test-ș")
    parser.add_argument("--keep", type=int, default=0, help="keep only the last N messages (0: count only)")
    args = parser.parse_args()
    cert = key = None
    if args.mode != "plain":
        directory = args.cert_dir or Path("/tmp/workers-core-smtpd")
        cert, key = directory / "cert.pem", directory / "key.pem"
        if not cert.exists():
            cert, key = make_certificate(directory)
    server = SmtpServer(
        cert=cert, key=key, mode=args.mode, username=args.username, password=args.password, port=args.port
    )
    if args.keep == 0:
        server.recorder.messages = _CountOnly()  # type: ignore[assignment]
    server.start()
    print(f"smtpd listening on 127.0.0.1:{server.port} ({args.mode})", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


class _CountOnly(list):  # type: ignore[type-arg]
    """A ``messages`` list that only counts (the benchmark sends thousands)."""

    count = 0

    def append(self, item: Any) -> None:
        self.count += 1

    def __len__(self) -> int:
        return self.count


if __name__ == "__main__":
    main()
