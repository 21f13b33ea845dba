"""RabbitMQ unreachable mid-run (issue 20 §2): producers with confirms block or fail loudly, never drop; the
worker reconnects by itself; every e-mail accepted by a producer is delivered exactly once.

The e-mail worker and a producer both reach RabbitMQ through one cuttable proxy (the real broker is never
stopped: other sessions use it). A producer thread sends e-mails at a steady rate through the whole run;
``send_task`` waits for the broker's confirm, retries the publish for ~6 s (``task_publish_retry_policy``)
and then raises: those are counted as ``refused`` (loud), never as sent. Counted at the SMTP sink: every
subject a producer got a confirm for arrives once. Recovery: from the link's return to the first e-mail the
worker delivers after it.
"""

from __future__ import annotations

import threading
import time

import pytest

from shared.celery_app import create_client
from shared.config import WorkerSettings
from tests.email_send.conftest import worker_env_for
from tests.email_send.smtpd import SmtpServer
from tests.support.faults import FaultRow, proxy_for, report, through, wait_until


class Producer(threading.Thread):
    """Sends ``email.send`` every ``period`` s until stopped; keeps the confirmed results and the refusals."""

    def __init__(self, app: object, period: float) -> None:
        super().__init__(daemon=True, name="fault-producer")
        self.app, self.period = app, period
        self.results: dict[str, object] = {}
        self.refused: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            subject = f"Factura B-{n}"
            n += 1
            try:
                self.results[subject] = self.app.send_task(  # type: ignore[attr-defined]
                    "email.send", kwargs={"to": [f"c{n}@exemplu.ro"], "subject": subject, "text": "Mulțumim."}
                )
            except Exception:
                self.refused.append(subject)
            self.stop.wait(self.period)


def run_broker_outage(
    start_worker, smtp_server: SmtpServer, broker_url: str, redis_url: str, tcp_proxy, *, outage_s: float
) -> FaultRow:
    proxy = proxy_for(broker_url, tcp_proxy)
    start_worker(
        "email.send", env={**worker_env_for(smtp_server), "RMQ_URL": through(broker_url, proxy)}, concurrency=2
    )
    app = create_client(
        WorkerSettings(RMQ_URL=through(broker_url, proxy), REDIS_URL=redis_url, WORKERS_CORE_ENV="test")
    )
    producer = Producer(app, period=0.25)
    producer.start()
    assert wait_until(lambda: len(smtp_server.messages) >= 5, timeout=30), "no e-mail went out before the cut"
    proxy.cut()
    time.sleep(outage_s)
    proxy.restore()
    back = time.time()
    time.sleep(5.0)  # the producer keeps going after the return
    producer.stop.set()
    producer.join(15)
    results = dict(producer.results)
    finished = wait_until(lambda: all(r.ready() for r in results.values()), timeout=120, step=0.5)  # type: ignore[attr-defined]
    app.close()
    subjects = [str(m.message["Subject"]) for m in smtp_server.messages]
    delivered = set(subjects)
    after = [m.at for m in smtp_server.messages if m.at >= back]
    row = report(
        FaultRow(
            f"rabbitmq-cut-{outage_s:.0f}s",
            sent=len(results),
            completed=sum(1 for r in results.values() if r.state == "SUCCESS"),  # type: ignore[attr-defined]
            lost=len(set(results) - delivered),
            twice=len(subjects) - len(delivered),
            recovery_s=(min(after) - back) if after else float("inf"),
            note=f"{len(producer.refused)} publishes refused loudly during the outage",
        )
    )
    assert finished, "tasks left non-final after the broker came back"
    assert row.lost == 0 and row.twice == 0 and row.completed == row.sent, row
    assert delivered <= set(results) | set(producer.refused), "an e-mail nobody sent"
    return row


def test_rabbitmq_cut_5s_nothing_dropped(start_worker, smtp_server, broker_url, redis_url, tcp_proxy) -> None:
    """The bounded default-run variant: a 5 s cut (the publish retries of ~6 s bridge it: nothing refused)."""
    run_broker_outage(start_worker, smtp_server, broker_url, redis_url, tcp_proxy, outage_s=5.0)


@pytest.mark.slow
def test_rabbitmq_cut_15s_nothing_dropped(start_worker, smtp_server, broker_url, redis_url, tcp_proxy) -> None:
    row = run_broker_outage(start_worker, smtp_server, broker_url, redis_url, tcp_proxy, outage_s=15.0)
    assert row.recovery_s < 30.0
