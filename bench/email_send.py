"""Benchmark: e-mails through the real ``email.send`` worker vs raw aiosmtplib loops, same SMTP server, same run.

    python -m bench.email_send [-n 1000] [--mode starttls|tls|plain] [--concurrency 2] [--pool prefork]

One aiosmtpd process (STARTTLS + AUTH by default, self-signed certificate) receives everything:
1. raw loop on ONE reused aiosmtplib connection (``send_message`` x N);
2. raw loop with a NEW connection per message (``aiosmtplib.send``: connect, STARTTLS, AUTH, send, QUIT);
3. the worker: a real ``celery worker`` process (RabbitMQ vhost of its own, Redis DB, our SMTP pool),
   fed N ``email.send`` tasks through RabbitMQ; timed from the first ``send_task`` to the last result.
Ends with ``email throughput ratio: X vs reused, Y vs per-message (targets >= 0.7, >= 1.5)``.
Loopback only; every loop is bounded by N and a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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

from shared.config import WorkerSettings  # noqa: E402
from tests.email_send.smtpd import make_certificate  # noqa: E402
from tests.support.workers import WorkerProcess, free_port  # noqa: E402

USERNAME, PASSWORD = "mailer", "parola-bench-ș"
FROM = "facturi@firma.ro"


def sample_message(i: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = FROM
    msg["To"] = f"client{i}@exemplu.ro"
    msg["Subject"] = f"Factura FCT-{i:05d} — scadență 31.12.2026"
    msg.set_content(f"Bună ziua,\n\nVă transmitem factura FCT-{i:05d}. Mulțumim!\n", charset="utf-8", cte="quoted-printable")
    return msg


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


async def raw_reused(smtpd: SmtpdProcess, n: int) -> float:
    started = time.perf_counter()
    async with aiosmtplib.SMTP(**smtpd.client_kwargs()) as smtp:
        for i in range(n):
            await smtp.send_message(sample_message(i))
    return n / (time.perf_counter() - started)


async def raw_per_message(smtpd: SmtpdProcess, n: int) -> float:
    kw = smtpd.client_kwargs()
    started = time.perf_counter()
    for i in range(n):
        await aiosmtplib.send(sample_message(i), **kw)
    return n / (time.perf_counter() - started)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def through_worker(smtpd: SmtpdProcess, n: int, *, concurrency: int, pool: str, workdir: Path) -> tuple[float, dict[str, Any]]:
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
        worker.start(timeout=90)
        warm = [client.send_task("email.send", kwargs=task_kwargs(i, f"warm{run}")) for i in range(4 * concurrency)]
        for r in warm:
            r.get(timeout=60)
        started = time.perf_counter()
        results = [client.send_task("email.send", kwargs=task_kwargs(i, run)) for i in range(n)]
        published = time.perf_counter() - started
        bodies = [r.get(timeout=300) for r in results]
        elapsed = time.perf_counter() - started
        assert all(b["status"] == "sent" for b in bodies), "every message must be sent exactly once"
        info = {"publish_s": round(published, 2), "elapsed_s": round(elapsed, 2)}
        return n / elapsed, info
    finally:
        client.close()
        worker.stop(timeout=30)
        with contextlib.suppress(Exception):
            _rabbitmqctl("delete_vhost", vhost)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--mode", choices=("starttls", "tls", "plain"), default="starttls")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--pool", default="prefork")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-email-") as tmp:
        workdir = Path(tmp)
        cert_dir = workdir / "certs"
        make_certificate(cert_dir)
        with SmtpdProcess(args.mode, cert_dir) as smtpd:
            reused = asyncio.run(raw_reused(smtpd, args.n))
            print(f"raw aiosmtplib, one reused connection: {reused:8.1f} msg/s", flush=True)
            per_message = asyncio.run(raw_per_message(smtpd, args.n))
            print(f"raw aiosmtplib, connection per message: {per_message:8.1f} msg/s", flush=True)
            worker, info = through_worker(smtpd, args.n, concurrency=args.concurrency, pool=args.pool, workdir=workdir)
            print(f"email.send worker (-c {args.concurrency} -P {args.pool}, {args.mode}): {worker:8.1f} msg/s {info}",
                  flush=True)
    x, y = worker / reused, worker / per_message
    print(f"email throughput ratio: {x:.2f} vs reused, {y:.2f} vs per-message (targets >= 0.7, >= 1.5)")
    return 0 if x >= 0.7 and y >= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
