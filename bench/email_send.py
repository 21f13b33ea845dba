"""Benchmark: e-mails through the real ``email.send`` worker vs raw aiosmtplib loops, same SMTP server, same run.

    python -m bench.email_send [-n 1000] [--mode starttls|tls|plain] [--concurrency 2] [--pool prefork]

One aiosmtpd process (STARTTLS + AUTH by default, self-signed certificate) receives everything:
1. raw loop on ONE reused aiosmtplib connection: per message an ``EmailMessage`` with the same headers
   and body the worker sends, then ``send_message`` (plain aiosmtplib usage, as measured in OFFLINE.md);
2. raw loop with a NEW connection per message (``aiosmtplib.send``: connect, STARTTLS, AUTH, send, QUIT);
   also printed, for information: the reused connection sending pre-built bytes (SMTP transport alone,
   message building excluded), the ceiling no per-message framework can reach;
3. the worker: a real ``celery worker`` (RabbitMQ vhost of its own, Redis DB, our SMTP pool), fed N
   ``email.send`` tasks through RabbitMQ. Throughput is the drain rate once the queue is loaded: the
   tasks are published first, then the worker starts; from the first to the last task finished
   (``date_done`` of the results), so the producer's publishing speed is not charged to the worker.
   The end-to-end time (publish while consuming) is printed too;
4. the same N messages as ``email.send_batch`` tasks (``--batch`` per task), publish to last result.
The closing line uses one task per message unless ``--tasks batch``; both figures are always printed.
Ends with ``email throughput ratio: X vs reused, Y vs per-message (targets >= 0.7, >= 1.5)``.
Loopback only; every loop is bounded by N and a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import email.utils
import os
import random
import socket
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

from email_send.config import EmailSettings  # noqa: E402
from email_send.message import MessageBuilder, OutgoingMessage  # noqa: E402
from email_send.models import EmailRequest  # noqa: E402
from email_send.templates import TemplateRenderer  # noqa: E402
from shared.artifacts import get_artifact_store  # noqa: E402
from shared.config import WorkerSettings  # noqa: E402
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
        cmd = [sys.executable, "-m", "tests.email_send.smtpd", "--port", str(self.port), "--mode", self.mode,
               "--cert-dir", str(self.cert_dir), "--username", USERNAME, "--password", PASSWORD]
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
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.port),
            "SMTP_STARTTLS": str(self.mode == "starttls").lower(),
            "SMTP_TLS": str(self.mode == "tls").lower(),
            "SMTP_CA_FILE": str(self.cert_dir / "cert.pem"),
            "SMTP_USERNAME": USERNAME,
            "SMTP_PASSWORD": PASSWORD,
            "EMAIL_FROM": FROM,
            "EMAIL_FROM_NAME": "Firmă SRL",
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
    settings = EmailSettings(EMAIL_FROM=FROM, from_name="Firmă SRL", WORKERS_CORE_ENV="test")
    builder = MessageBuilder(settings, TemplateRenderer(), get_artifact_store)
    return [builder.build(EmailRequest.model_validate(task_kwargs(i, "raw")), idempotency_key=f"raw-{i}") for i in range(n)]


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


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, with_children: bool = True) -> float:
    """CPU time of a process (+ its live and reaped children), from /proc; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    total = (utime + stime + cutime + cstime) / _TICK
    if with_children:
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            for child in task.read_text().split():
                total += cpu_seconds(int(child))
    return total


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def through_worker(smtpd: SmtpdProcess, n: int, *, concurrency: int, pool: str, workdir: Path,
                   batch: int = 100) -> tuple[float, dict[str, Any]]:
    from shared.celery_app import create_client

    vhost = f"wc-bench-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    redis_url = f"redis://127.0.0.1:6379/{random.randint(1, 15)}"
    broker_url = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "HEALTH_PORT")}
    env.update(
        RMQ_URL=broker_url, REDIS_URL=redis_url, ARTIFACT_DIR=str(workdir / "artifacts"), WORKERS_CORE_ENV="test",
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "INFO"), LOG_FORMAT="json", REGISTRY_URL="", PYTHONUNBUFFERED="1",
        EVENTS_ENABLED="true", **smtpd.worker_env(),
    )
    worker = WorkerProcess("email.send", env, workdir, concurrency=concurrency, pool=pool)
    client = create_client(WorkerSettings(RMQ_URL=broker_url, REDIS_URL=redis_url, WORKERS_CORE_ENV="test"))
    run = uuid.uuid4().hex[:8]
    try:
        # 1. drain: the queue holds N tasks before the worker starts
        loaded = [client.send_task("email.send", kwargs=task_kwargs(i, f"drain{run}")) for i in range(n)]
        worker.start(timeout=90)
        assert worker.proc is not None and smtpd.proc is not None
        cpu_before = cpu_seconds(worker.proc.pid) + cpu_seconds(smtpd.proc.pid)
        bodies = [r.get(timeout=300) for r in loaded]
        cpu_ms = (cpu_seconds(worker.proc.pid) + cpu_seconds(smtpd.proc.pid) - cpu_before) * 1000 / n
        assert all(b["status"] == "sent" for b in bodies), "every message must be sent exactly once"
        done = sorted(r.date_done for r in loaded)
        span = (done[-1] - done[0]).total_seconds()
        drain = (n - 1) / span
        # 2. end to end: publish while the (warm) worker consumes
        started = time.perf_counter()
        results = [client.send_task("email.send", kwargs=task_kwargs(i, f"e2e{run}")) for i in range(n)]
        published = time.perf_counter() - started
        assert all(r.get(timeout=300)["status"] == "sent" for r in results)
        elapsed = time.perf_counter() - started
        # 3. the same N messages as email.send_batch tasks of `batch` messages (bulk runs)
        started = time.perf_counter()
        batches = [client.send_task("email.send_batch", kwargs={"messages": [task_kwargs(i, f"batch{run}")
                                                                         for i in range(j, min(n, j + batch))]})
                   for j in range(0, n, batch)]
        sent = sum(r.get(timeout=300)["sent"] for r in batches)
        assert sent == n, f"batch sent {sent} of {n}"
        batch_rate = n / (time.perf_counter() - started)
        info = {"drain_span_s": round(span, 2), "end_to_end_msg_s": round(n / elapsed, 1), "publish_s": round(published, 2),
                "cpu_ms_per_msg_worker+smtpd": round(cpu_ms, 2), f"batch_of_{batch}_msg_s": round(batch_rate, 1)}
        return drain, info
    finally:
        client.close()
        worker.stop(timeout=30)
        with contextlib.suppress(Exception):
            _rabbitmqctl("delete_vhost", vhost)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--mode", choices=("starttls", "tls", "plain"), default="starttls")
    parser.add_argument("--concurrency", type=int, default=4, help="pool processes (email.send is I/O-bound: 4 on 2 cores)")
    parser.add_argument("--pool", default="prefork")
    parser.add_argument("--batch", type=int, default=100, help="messages per email.send_batch task")
    parser.add_argument("--tasks", choices=("single", "batch"), default="single",
                        help="which worker figure the closing ratio line uses (both are measured and printed)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-email-") as tmp:
        workdir = Path(tmp)
        cert_dir = workdir / "certs"
        make_certificate(cert_dir)
        with SmtpdProcess(args.mode, cert_dir) as smtpd:
            reused = asyncio.run(raw_reused(smtpd, args.n))
            print(f"raw aiosmtplib, one reused connection:  {reused:8.1f} msg/s", flush=True)
            per_message = asyncio.run(raw_per_message(smtpd, args.n))
            print(f"raw aiosmtplib, connection per message: {per_message:8.1f} msg/s", flush=True)
            transport = asyncio.run(raw_transport_only(smtpd, prebuilt(args.n)))
            print(f"(info) reused connection, pre-built bytes, SMTP transport alone: {transport:8.1f} msg/s", flush=True)
            single, info = through_worker(smtpd, args.n, concurrency=args.concurrency, pool=args.pool, workdir=workdir,
                                          batch=args.batch)
            batched = info[f"batch_of_{args.batch}_msg_s"]
            print(f"email.send worker (-c {args.concurrency} -P {args.pool}, {args.mode}), one task per message, drain: "
                  f"{single:8.1f} msg/s {info}", flush=True)
            print(f"email.send_batch worker ({args.batch} messages per task): {batched:8.1f} msg/s", flush=True)
    print(f"(info) one task per message: {single / reused:.2f} vs reused, {single / per_message:.2f} vs per-message; "
          f"batches: {batched / reused:.2f} vs reused, {batched / per_message:.2f} vs per-message; "
          f"transport-alone ceiling {transport:.0f} msg/s")
    worker = single if args.tasks == "single" else batched
    x, y = worker / reused, worker / per_message
    print(f"email throughput ratio: {x:.2f} vs reused, {y:.2f} vs per-message (targets >= 0.7, >= 1.5)")
    return 0 if x >= 0.7 and y >= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
