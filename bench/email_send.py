"""Benchmark: e-mails through the real ``email.send`` worker vs raw aiosmtplib loops, same SMTP server, same run.

    python -m bench.email_send [-n 1000] [--rounds 3] [--mode starttls|tls|plain] [--concurrency 4] [--pool prefork]

One aiosmtpd process (STARTTLS + AUTH by default, self-signed certificate) receives everything. Each
round measures, back to back (this 2-core machine is shared and its speed drifts by tens of percent
from minute to minute, so baseline and worker must see the same spell):
1. raw loop on ONE reused aiosmtplib connection: per message an ``EmailMessage`` with the same headers
   and body the worker sends, then ``send_message`` (plain aiosmtplib usage, as measured in OFFLINE.md);
2. raw loop with a NEW connection per message (``aiosmtplib.send``: connect, STARTTLS, AUTH, send, QUIT);
3. the worker: a real ``celery worker`` (RabbitMQ vhost of its own, Redis DB, our SMTP pool, started
   once), N ``email.send`` tasks through RabbitMQ. Throughput is the drain rate of a loaded queue: the
   worker stops consuming, the N tasks are published, it resumes; from the first to the last task
   finished (``date_done`` of the results), so the producer's publishing speed is not charged to it;
4. the same N messages as ``email.send_batch`` tasks (``--batch`` per task), publish to last result.
The closing line takes the median over rounds of the per-round ratios, one task per message unless
``--tasks batch``. Printed for information: the reused connection sending pre-built bytes (SMTP
transport alone, the ceiling no per-message framework can reach) and the end-to-end rate (publishing
while consuming). Ends with ``email throughput ratio: X vs reused, Y vs per-message (targets >= 0.7, >= 1.5)``.
Loopback only; every loop is bounded by N and a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import email.utils
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.support import BenchBroker, cpu_seconds  # noqa: E402
from email_send.config import EmailSendSettings  # noqa: E402
from email_send.message import MessageBuilder, OutgoingMessage  # noqa: E402
from email_send.models import EmailRequest  # noqa: E402
from email_send.templates import TemplateRenderer  # noqa: E402
from shared.artifacts import get_artifact_store  # noqa: E402
from tests.email_send.smtpd import make_certificate  # noqa: E402
from tests.support.workers import WorkerProcess, free_port  # noqa: E402

USERNAME, PASSWORD = "mailer", "parola-bench-ș"
FROM = "facturi@firma.ro"


def task_kwargs(i: int, run: str) -> dict[str, Any]:
    return {
        "to": [f"client{i}@exemplu.ro"],
        "subject": f"Factura FCT-{i:05d} — scadență 31.12.2026",
        "text": f"Bună ziua,\n\nVă transmitem factura FCT-{i:05d}. Mulțumim!\n",
        "idempotency_key": f"bench-{run}-{i}",
    }


class SmtpdProcess:
    """``python -m tests.email_send.smtpd`` in its own process (its own core, like a real relay)."""

    def __init__(self, mode: str, cert_dir: Path):
        self.mode, self.port, self.cert_dir = mode, free_port(), cert_dir
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SmtpdProcess:
        cmd = [
            sys.executable,
            "-m",
            "tests.email_send.smtpd",
            "--port",
            str(self.port),
            "--mode",
            self.mode,
            "--cert-dir",
            str(self.cert_dir),
            "--username",
            USERNAME,
            "--password",
            PASSWORD,
        ]
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return self
            time.sleep(0.1)
        raise RuntimeError("smtpd did not start")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)

    def client_kwargs(self) -> dict[str, Any]:
        import ssl

        ctx = ssl.create_default_context(cafile=str(self.cert_dir / "cert.pem"))
        kw: dict[str, Any] = {"hostname": "127.0.0.1", "port": self.port, "tls_context": ctx, "timeout": 30}
        if self.mode == "starttls":
            kw["start_tls"] = True
        elif self.mode == "tls":
            kw["use_tls"] = True
        else:
            kw["start_tls"] = False
        kw["username"], kw["password"] = USERNAME, PASSWORD
        return kw

    def worker_env(self) -> dict[str, str]:
        return {
            "EMAIL_SEND_SMTP_HOST": "127.0.0.1",
            "EMAIL_SEND_SMTP_PORT": str(self.port),
            "EMAIL_SEND_SMTP_STARTTLS": str(self.mode == "starttls").lower(),
            "EMAIL_SEND_SMTP_TLS": str(self.mode == "tls").lower(),
            "EMAIL_SEND_SMTP_CA_FILE": str(self.cert_dir / "cert.pem"),
            "EMAIL_SEND_SMTP_USERNAME": USERNAME,
            "EMAIL_SEND_SMTP_PASSWORD": PASSWORD,
            "EMAIL_SEND_FROM": FROM,
            "EMAIL_SEND_FROM_NAME": "Firmă SRL",
        }


def natural_message(i: int) -> EmailMessage:
    """What a plain aiosmtplib loop builds per message: the stdlib ``EmailMessage`` with the same content."""
    kw = task_kwargs(i, "raw")
    msg = EmailMessage()
    msg["From"] = f"Firmă SRL <{FROM}>"
    msg["To"] = kw["to"][0]
    msg["Subject"] = kw["subject"]
    msg["Date"] = email.utils.format_datetime(datetime.datetime.now(datetime.UTC))
    msg["Message-ID"] = email.utils.make_msgid(domain="firma.ro")
    msg.set_content(kw["text"], charset="utf-8", cte="quoted-printable")
    return msg


def prebuilt(n: int) -> list[OutgoingMessage]:
    """The exact messages the worker builds for the benchmark payloads (same builder, same bytes)."""
    settings = EmailSendSettings(EMAIL_FROM=FROM, from_name="Firmă SRL", WORKERS_CORE_ENV="test")
    builder = MessageBuilder(settings, TemplateRenderer(), get_artifact_store)
    return [
        builder.build(EmailRequest.model_validate(task_kwargs(i, "raw")), idempotency_key=f"raw-{i}") for i in range(n)
    ]


async def raw_reused(smtpd: SmtpdProcess, n: int) -> float:
    assert smtpd.proc is not None
    cpu_before = time.process_time() + cpu_seconds(smtpd.proc.pid)
    started = time.perf_counter()
    async with aiosmtplib.SMTP(**smtpd.client_kwargs()) as smtp:
        for i in range(n):
            await smtp.send_message(natural_message(i))
    rate = n / (time.perf_counter() - started)
    cpu_ms = (time.process_time() + cpu_seconds(smtpd.proc.pid) - cpu_before) * 1000 / n
    print(f"(info) raw reused loop CPU per message, client+smtpd: {cpu_ms:.2f} ms", flush=True)
    return rate


async def raw_per_message(smtpd: SmtpdProcess, n: int) -> float:
    kw = smtpd.client_kwargs()
    started = time.perf_counter()
    for i in range(n):
        await aiosmtplib.send(natural_message(i), **kw)
    return n / (time.perf_counter() - started)


async def raw_transport_only(smtpd: SmtpdProcess, messages: list[OutgoingMessage]) -> float:
    started = time.perf_counter()
    async with aiosmtplib.SMTP(**smtpd.client_kwargs()) as smtp:
        for m in messages:
            await smtp.sendmail(m.envelope.sender, list(m.envelope.recipients), m.data)
    return len(messages) / (time.perf_counter() - started)


class WorkerUnderTest:
    """A real ``celery worker -Q email.send`` (own RabbitMQ vhost, Redis DB, our SMTP pool), started once.

    ``drain(n)`` measures the worker alone: it stops consuming (``cancel_consumer``), N tasks are
    published, it resumes (``add_consumer``) and the rate is taken from the first to the last task
    finished (``date_done``), so the producer's publishing speed is not charged to the worker.
    """

    def __init__(self, smtpd: SmtpdProcess, *, concurrency: int, pool: str, workdir: Path):
        self.smtpd = smtpd
        self.broker = BenchBroker(workdir)
        self.client = self.broker.client
        env = self.broker.worker_env(EVENTS_ENABLED="true", **smtpd.worker_env())
        self.worker = WorkerProcess("email.send", env, workdir, concurrency=concurrency, pool=pool)
        self.run = uuid.uuid4().hex[:8]
        self.rounds = 0

    def __enter__(self) -> WorkerUnderTest:
        self.worker.start(timeout=90)
        return self

    def __exit__(self, *exc: object) -> None:
        self.worker.stop(timeout=30)
        self.broker.close()

    def _consuming(self, on: bool) -> None:
        control = self.client.control
        dest = [self.worker.hostname]
        replies = (
            control.add_consumer("email.send", destination=dest, reply=True, timeout=10)
            if on
            else control.cancel_consumer("email.send", destination=dest, reply=True, timeout=10)
        )
        if not replies:
            raise RuntimeError(f"worker did not answer {'add' if on else 'cancel'}_consumer")

    def drain(self, n: int) -> tuple[float, float]:
        """(messages/s, worker+smtpd CPU ms per message) for N ``email.send`` tasks waiting in the queue."""
        assert self.worker.proc is not None and self.smtpd.proc is not None
        self.rounds += 1
        self._consuming(False)
        loaded = [
            self.client.send_task("email.send", kwargs=task_kwargs(i, f"drain{self.run}-{self.rounds}"))
            for i in range(n)
        ]
        cpu_before = cpu_seconds(self.worker.proc.pid) + cpu_seconds(self.smtpd.proc.pid)
        self._consuming(True)
        metas = self._wait(loaded)
        cpu_ms = (cpu_seconds(self.worker.proc.pid) + cpu_seconds(self.smtpd.proc.pid) - cpu_before) * 1000 / n
        assert all(m["status"] == "SUCCESS" and m["result"]["status"] == "sent" for m in metas), (
            "every message must be sent exactly once"
        )
        done = sorted(datetime.datetime.fromisoformat(m["date_done"]) for m in metas)
        return (n - 1) / (done[-1] - done[0]).total_seconds(), cpu_ms

    def _wait(self, results: list[Any], timeout: float = 300.0) -> list[dict[str, Any]]:
        """The stored results once all are there, polled with one MGET every 0.2 s.

        ``AsyncResult.get()`` per task would subscribe to each result's channel in turn and burn a
        tenth of this 2-core machine, CPU the worker under test needs and the raw loops never lose.
        """
        backend = self.client.backend
        keys = [backend.get_key_for_task(r.id) for r in results]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw = backend.client.mget(keys)
            metas = [json.loads(v) if v is not None else None for v in raw]
            if all(m is not None and m["status"] in ("SUCCESS", "FAILURE") for m in metas):
                return [m for m in metas if m is not None]
            time.sleep(0.2)
        raise TimeoutError(f"results not all stored within {timeout:.0f}s")

    def end_to_end(self, n: int) -> float:
        """Publishing while the worker consumes: first publish to last result."""
        started = time.perf_counter()
        results = [self.client.send_task("email.send", kwargs=task_kwargs(i, f"e2e{self.run}")) for i in range(n)]
        assert all(r.get(timeout=300)["status"] == "sent" for r in results)
        return n / (time.perf_counter() - started)

    def batches(self, n: int, batch: int) -> float:
        """The same N messages as ``email.send_batch`` tasks of ``batch`` messages (bulk runs)."""
        started = time.perf_counter()
        results = [
            self.client.send_task(
                "email.send_batch",
                kwargs={
                    "messages": [task_kwargs(i, f"batch{self.run}-{self.rounds}") for i in range(j, min(n, j + batch))]
                },
            )
            for j in range(0, n, batch)
        ]
        sent = sum(r.get(timeout=300)["sent"] for r in results)
        assert sent == n, f"batch sent {sent} of {n}"
        return n / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="messages per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (raw reused, per-message, worker); medians")
    parser.add_argument("--mode", choices=("starttls", "tls", "plain"), default="starttls")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="pool processes (email.send is I/O-bound: 4 on 2 cores)"
    )
    parser.add_argument("--pool", default="prefork")
    parser.add_argument("--batch", type=int, default=100, help="messages per email.send_batch task")
    parser.add_argument(
        "--tasks",
        choices=("single", "batch"),
        default="single",
        help="which worker figure the closing ratio line uses (both are measured and printed)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-email-") as tmp:
        workdir = Path(tmp)
        cert_dir = workdir / "certs"
        make_certificate(cert_dir)
        with (
            SmtpdProcess(args.mode, cert_dir) as smtpd,
            WorkerUnderTest(smtpd, concurrency=args.concurrency, pool=args.pool, workdir=workdir) as worker,
        ):
            transport = asyncio.run(raw_transport_only(smtpd, prebuilt(args.n)))
            print(
                f"(info) reused connection, pre-built bytes, SMTP transport alone: {transport:8.1f} msg/s", flush=True
            )
            vs_reused: list[float] = []
            vs_per_message: list[float] = []
            batch_vs_reused: list[float] = []
            batch_vs_per_message: list[float] = []
            for r in range(1, args.rounds + 1):
                # the three measurements of a round run back to back, so a slow spell of this shared
                # machine hits the baseline and the worker alike; the closing line takes the medians
                reused = asyncio.run(raw_reused(smtpd, args.n))
                per_message = asyncio.run(raw_per_message(smtpd, args.n))
                single, cpu_ms = worker.drain(args.n)
                batched = worker.batches(args.n, args.batch)
                vs_reused.append(single / reused)
                vs_per_message.append(single / per_message)
                batch_vs_reused.append(batched / reused)
                batch_vs_per_message.append(batched / per_message)
                print(
                    f"round {r}: raw reused {reused:7.1f} msg/s, raw per-message {per_message:7.1f} msg/s, "
                    f"worker (-c {args.concurrency} -P {args.pool}, {args.mode}) {single:7.1f} msg/s "
                    f"[{cpu_ms:.2f} ms CPU/msg worker+smtpd], email.send_batch x{args.batch} {batched:7.1f} msg/s "
                    f"-> {single / reused:.2f} vs reused, {single / per_message:.2f} vs per-message",
                    flush=True,
                )
            e2e = worker.end_to_end(args.n)
            print(f"(info) end to end, publishing while the worker consumes: {e2e:8.1f} msg/s", flush=True)
    med = statistics.median
    print(
        f"(info) one task per message: rounds {', '.join(f'{x:.2f}' for x in vs_reused)} vs reused; "
        f"email.send_batch: {med(batch_vs_reused):.2f} vs reused, {med(batch_vs_per_message):.2f} vs per-message; "
        f"transport-alone ceiling {transport:.0f} msg/s"
    )
    if args.tasks == "single":
        x, y = med(vs_reused), med(vs_per_message)
    else:
        x, y = med(batch_vs_reused), med(batch_vs_per_message)
    print(f"email throughput ratio: {x:.2f} vs reused, {y:.2f} vs per-message (targets >= 0.7, >= 1.5)")
    return 0 if x >= 0.7 and y >= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
