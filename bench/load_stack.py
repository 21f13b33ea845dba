"""What the k6 load set runs against, all on loopback: a throwaway RabbitMQ vhost (``BenchBroker``) and a locked Redis DB, a
PostgreSQL database for the filing outboxes, the fake ANAF / REGES / Slack servers and an SMTP sink (the test
suite's own fakes), one real worker per tag (``WorkerProcess``), the gateway (``bench.gateway``'s process) and a
real Prometheus (the Debian ``prometheus`` binary) scraping every worker's ``/metrics``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.gateway import gateway_process
from bench.load_payloads import SLACK_CHANNELS
from bench.support import BenchBroker
from tests.email_send.smtpd import SmtpServer, make_certificate
from tests.fakes.anaf import FakeAnafServer, FakeAnafState
from tests.fakes.anaf.env import client_env
from tests.fakes.anaf.reges import book as reges_book
from tests.fakes.slack import TOKEN, FakeSlack
from tests.schemadata import installed
from tests.support.workers import WorkerProcess, free_port

__all__ = ["WORKERS", "LoadStack", "Prometheus"]

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
# (concurrency, pool) per tag: the chart's defaults scaled to a 2-core machine (see bench/k6/README.md)
WORKERS: dict[str, tuple[int, str]] = {
    "ocr": (1, "prefork"),
    "pdf.render": (2, "prefork"),
    "email.send": (2, "prefork"),
    "notify.slack": (2, "prefork"),
    "anaf.taxpayer": (50, "threads"),
    "anaf.efactura": (2, "prefork"),
    "anaf.etransport": (2, "prefork"),
    "anaf.saft": (1, "prefork"),
    "reges": (2, "prefork"),
}


class Prometheus:
    """``prometheus`` scraping the given ``/metrics`` targets every ``interval`` seconds; ``query`` = instant."""

    def __init__(self, workdir: Path, targets: dict[str, int], interval: float = 2.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.interval = interval
        config = workdir / "prometheus.yml"
        jobs = "".join(
            f"  - job_name: '{tag}'\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
            for tag, port in targets.items()
        )
        config.write_text(
            f"global:\n  scrape_interval: {int(interval * 1000)}ms\n  scrape_timeout: {int(interval * 1000)}ms\nscrape_configs:\n{jobs}"
        )
        self.log = workdir / "prometheus.log"
        cmd = [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not self._ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prometheus did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.2)

    def _ready(self) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(self.url + "/-/ready", timeout=2).status_code == 200
        return False

    def query(self, expr: str) -> dict[str, float]:
        """``{label value joined by ',': sample}`` of an instant query (labels in the vector's own order)."""
        body = httpx.get(self.url + "/api/v1/query", params={"query": expr}, timeout=10).json()
        if body.get("status") != "success":
            raise RuntimeError(f"prometheus query {expr!r}: {body}")
        return {",".join(r["metric"].values()): float(r["value"][1]) for r in body["data"]["result"]}

    def targets_up(self) -> dict[str, bool]:
        return {k: v == 1.0 for k, v in self.query("up").items()}

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every target has been scraped successfully after now (a failed scrape marks its series
        stale, and an instant query would then miss them)."""
        mark = time.time()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(self.interval)
            up = self.query("up")
            scraped = self.query("timestamp(up)")
            if up and all(v == 1.0 for v in up.values()) and all(t > mark for t in scraped.values()):
                return
        raise RuntimeError(f"Prometheus targets not freshly scraped in {timeout}s: {self.query('up')}")

    def stop(self) -> None:
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        if self.proc.poll() is None:
            self.proc.kill()


@contextlib.contextmanager
def _database() -> Iterator[str]:
    name = f"wc_load_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _anaf_env(anaf: FakeAnafServer, workdir: Path) -> dict[str, str]:
    """ANAF clients pointed at the fake, with a token pair it issued (as tests/flows' ``anaf_worker_env``)."""
    return {
        **client_env(anaf, workdir),
        "ANAF_TAXPAYER_WAIT_TIMEOUT_S": "100",
        "ANAF_EFACTURA_POLL_SCHEDULE_S": "[1, 2]",
        "ANAF_ETRANSPORT_INLINE_POLL_DELAYS": "[0.2, 0.4, 0.8]",
        "ANAF_ETRANSPORT_POLL_DELAYS": "[1, 2]",
    }


def _reges_env(reges: FakeAnafServer) -> dict[str, str]:
    return {
        "REGES_BASE_URL": reges.url,
        "REGES_SSO_URL": reges.url,
        "REGES_CLIENT_SECRET": "fake-reges-secret",
        "REGES_USERNAME": "api-18547290",
        "REGES_PASSWORD": "fake-reges-password",
        "REGES_EMPLOYER_CUI": "18547290",
        "REGES_CONSUMER_ID": f"load-{uuid.uuid4().hex[:6]}",
    }


@dataclass
class LoadStack:
    """Everything of one run; ``start(tags)`` inside ``with``; ``workers[tag]``, ``gateway_url``, ``prometheus``."""

    workdir: Path
    broker: BenchBroker = field(init=False)
    workers: dict[str, WorkerProcess] = field(default_factory=dict)
    gateway_url: str = ""
    secret: str = ""
    prometheus: Prometheus | None = None
    slack: FakeSlack | None = None
    smtp: SmtpServer | None = None
    fakes: dict[str, FakeAnafServer] = field(default_factory=dict)
    _exit: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @property
    def artifacts(self) -> Path:
        return self.workdir / "artifacts"

    def _fakes_env(self, tags: list[str]) -> dict[str, str]:
        env: dict[str, str] = {"EVENTS_ENABLED": "true"}
        if any(t.startswith("anaf.") for t in tags):
            anaf = FakeAnafServer(FakeAnafState()).start()
            self._exit.callback(anaf.stop)
            self.fakes["anaf"] = anaf
            env.update(_anaf_env(anaf, self.workdir))
        if "reges" in tags:
            reges = FakeAnafServer(FakeAnafState()).start()
            self._exit.callback(reges.stop)
            reges_book(reges.state).schema = _reges_schema()
            self.fakes["reges"] = reges
            env.update(_reges_env(reges))
        if "notify.slack" in tags:
            channels = {f"incasari-{i}": f"C{i:07d}INC" for i in range(SLACK_CHANNELS)}
            self.slack = FakeSlack(channels=channels, rate_per_second=1.0, burst=2).start()
            self._exit.callback(self.slack.stop)
            env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=self.slack.api_url, SLACK_TIMEOUT="10")
        if "email.send" in tags:
            cert, key = make_certificate(self.workdir / "smtp-tls")
            self.smtp = SmtpServer(cert=cert, key=key, mode="starttls").start()
            self._exit.callback(self.smtp.stop)
            env.update(self.smtp.env(), EMAIL_FROM="facturi@furnizor.ro", EMAIL_FROM_NAME="Furnizor Exemplu SRL")
        return env

    def start(self, tags: list[str]) -> LoadStack:
        self.broker = self._exit.enter_context(BenchBroker(self.workdir))
        env = self.broker.worker_env(DATABASE_URL=self._exit.enter_context(_database()))
        env.update(self._fakes_env(tags), PDF_RENDER_POOL_SIZE=str(WORKERS["pdf.render"][0]))
        env["QUEUE_LENGTH_CACHE_SECONDS"] = "2"  # the scrape interval: depth "back to 0" is seen within seconds
        for tag in tags:
            concurrency, pool = WORKERS[tag]
            worker = WorkerProcess(tag, env, self.workdir, concurrency=concurrency, pool=pool)
            self.workers[tag] = worker.start(wait=False)
            self._exit.callback(worker.stop, 20)
        for worker in self.workers.values():
            worker.wait_ready(180)
        self.secret = uuid.uuid4().hex + uuid.uuid4().hex
        self.gateway_url = self._exit.enter_context(
            gateway_process(self.broker, self.secret, 256, 1, self.workdir / "gateway.log")
        )
        self.prometheus = Prometheus(self.workdir, {tag: w.port for tag, w in self.workers.items()})
        self._exit.callback(self.prometheus.stop)
        return self

    def __enter__(self) -> LoadStack:
        return self

    def __exit__(self, *exc: Any) -> None:
        # workers stop in parallel (a warm shutdown each), then the rest in reverse order of start
        threads = [threading.Thread(target=w.stop, args=(20,)) for w in self.workers.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self._exit.close()


def _reges_schema() -> Any:
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(installed("reges", "reges.xsd"))))
