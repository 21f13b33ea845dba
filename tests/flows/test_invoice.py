"""Invoicing (Mercantiq): one ``flow.invoice`` call -> PDF -> e-Factura -> ANAF's answer -> e-mail or Slack alert.

Real workers of the five tags, real RabbitMQ/Redis/PostgreSQL; fake ANAF, aiosmtpd, fake Slack. One correlation
id given by the caller is in every task, event and log line of the flow; a flow sent again, or a flow whose
worker dies mid-way, still files once and mails once.
"""

from __future__ import annotations

import email
import random
import string
import time
import uuid
import zipfile
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest

from shared.context import CORRELATION_HEADER
from tests.anaf.events import collect_events
from tests.anaf_efactura.samples import invoice
from tests.email_send.smtpd import SmtpServer, make_certificate
from tests.fakes.anaf import FakeAnafServer
from tests.fakes.slack import TOKEN, FakeSlack
from tests.flows.conftest import Stack

TAGS = ("flows", "pdf.render", "anaf.efactura", "email.send", "notify.slack")
BUYER = "contabilitate@client-exemplu.ro"


@pytest.fixture(scope="module")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServer]:
    cert, key = make_certificate(tmp_path_factory.mktemp("smtp-tls"))
    server = SmtpServer(cert=cert, key=key, mode="starttls").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    server = FakeSlack(channels={"general": "C0000GENERAL", "contabilitate": "C0000CONTAB"}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(make_stack, anaf_worker_env, smtp: SmtpServer, slack: FakeSlack) -> Stack:  # type: ignore[no-untyped-def]
    env = {
        **anaf_worker_env,
        **smtp.env(),
        "EMAIL_FROM": "facturi@furnizor.ro",
        "EMAIL_FROM_NAME": "Furnizor Exemplu SRL",
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": slack.api_url,
        "SLACK_TIMEOUT": "5",
        "ANAF_EFACTURA_POLL_SCHEDULE_S": "[1]",
        "FLOWS_WATCH_SCHEDULE_S": "[1]",
    }
    return make_stack(env).start(*TAGS)


def _flow(number: str) -> dict[str, Any]:
    return {"invoice": invoice(number), "buyer_email": BUYER, "buyer_name": "Maria Ionescu"}


def _start(celery_client, payload: dict[str, Any], cid: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    result = celery_client.send_task("flow.invoice", kwargs=payload, headers={CORRELATION_HEADER: cid})
    return dict(result.get(timeout=60))


def _filings(anaf: FakeAnafServer, number: str) -> list[Any]:
    return [f for f in anaf.state.filings.values() if f.invoice_id == number]


def _mails_for(smtp: SmtpServer, number: str) -> list[email.message.Message]:
    parsed = [email.message_from_bytes(m.data) for m in smtp.messages]
    return [m for m in parsed if number in str(m["Subject"])]


def _wait(predicate, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError("the flow did not get there in time")


def test_accepted_invoice_reaches_the_buyer_with_pdf_and_signed_zip(
    stack: Stack, celery_client, broker_url, module_anaf: FakeAnafServer, smtp: SmtpServer, slack: FakeSlack
) -> None:
    number = f"MQ-{uuid.uuid4().hex[:6]}-1"
    cid = f"mercantiq-{uuid.uuid4().hex}"
    stack.mark()
    started = time.monotonic()
    with collect_events(broker_url, "#") as events:
        first = _start(celery_client, _flow(number), cid)
        done = events.collect(1, "flow.invoice.completed", timeout=120)
        elapsed = time.monotonic() - started
        time.sleep(1.5)  # anything a duplicate would still publish
        events.collect(10**6, timeout=0.5)
    assert first["created"] is True and first["state"] in ("rendering", "new")
    assert done, "no flow.invoice.completed event"
    print(f"invoice flow: issue -> accepted -> mailed in {elapsed:.1f}s")
    # one filing, accepted; one e-mail with the PDF and ANAF's signed ZIP; no alert
    (filing,) = _filings(module_anaf, number)
    assert filing.state == "ok"
    (mail,) = _mails_for(smtp, number)
    assert mail["To"].endswith(f"<{BUYER}>")
    parts = {p.get_filename(): p.get_payload(decode=True) for p in mail.walk() if p.get_filename()}
    pdf = next(v for k, v in parts.items() if k.endswith(".pdf"))
    signed = next(v for k, v in parts.items() if k.endswith(".zip"))
    assert pdf.startswith(b"%PDF-")
    assert signed == module_anaf.state.downloads[filing.download_id].document
    assert zipfile.ZipFile(BytesIO(signed)).namelist()
    assert slack.posted == []
    data = done[0]["data"]
    assert data["upload_index"] == filing.index and data["email_message_id"]
    # the caller's correlation id in every event and in every log line written inside a task, on every worker
    names = {e["event"] for e in events.events}
    assert {"flow.invoice.started", "efactura.submitted", "efactura.accepted", "flow.invoice.completed"} <= names
    assert {e["correlation_id"] for e in events.events} == {cid}
    logs = stack.logs()
    for tag in ("flows", "pdf.render", "anaf.efactura", "email.send"):
        in_tasks = [line for line in logs[tag] if line.get("task_id")]
        assert in_tasks, f"no task log line from {tag}"
        assert {line.get("correlation_id") for line in in_tasks} == {cid}, tag
    # the same flow sent again: nothing new filed or mailed, it answers where the first one is
    again = _start(celery_client, _flow(number), f"mercantiq-{uuid.uuid4().hex}")
    assert again["created"] is False and again["state"] == "done" and again["flow_id"] == first["flow_id"]
    time.sleep(2)
    assert len(_filings(module_anaf, number)) == 1 and len(_mails_for(smtp, number)) == 1
    status = celery_client.send_task("flow.invoice.status", kwargs={"flow_key": first["flow_key"]}).get(timeout=30)
    assert status["state"] == "done" and status["upload_index"] == filing.index


def test_rejected_invoice_alerts_accounting_with_anafs_errors_and_mails_nobody(
    stack: Stack, celery_client, broker_url, module_anaf: FakeAnafServer, smtp: SmtpServer, slack: FakeSlack
) -> None:
    number = f"MQ-{uuid.uuid4().hex[:6]}-2"
    problem = "E: validari globale  eroare regula: BR-RO-100 Adresa cumparatorului este incompleta"
    module_anaf.state.config.processing_errors[number] = [problem]
    cid = f"mercantiq-{uuid.uuid4().hex}"
    posted_before = len(slack.posted)
    with collect_events(broker_url, "flow.invoice.#") as events:
        _start(celery_client, {**_flow(number), "accounting_channel": "#contabilitate"}, cid)
        rejected = events.collect(1, "flow.invoice.rejected", timeout=120)
    assert rejected and rejected[0]["correlation_id"] == cid
    assert rejected[0]["data"]["errors"] == [problem]
    (filing,) = _filings(module_anaf, number)
    assert filing.state == "nok"
    alerts = slack.posted[posted_before:]
    assert len(alerts) == 1 and alerts[0].channel == "C0000CONTAB"
    assert number in str(alerts[0].text) and "BR-RO-100" in str(alerts[0].text)
    assert _mails_for(smtp, number) == []


def test_flow_sent_three_times_and_worker_killed_mid_way_files_once_and_mails_once(
    stack: Stack, celery_client, broker_url, module_anaf: FakeAnafServer, smtp: SmtpServer
) -> None:
    number = f"MQ-{uuid.uuid4().hex[:6]}-3"
    module_anaf.state.config.processing_delay_s = 4.0  # ANAF takes a while: the flow is waiting when it dies
    cid = f"mercantiq-{uuid.uuid4().hex}"
    try:
        with collect_events(broker_url, "#") as events:
            sent = [
                celery_client.send_task("flow.invoice", kwargs=_flow(number), headers={CORRELATION_HEADER: cid})
                for _ in range(3)
            ]
            created = [r.get(timeout=60)["created"] for r in sent]
            events.collect(1, "efactura.submitted", timeout=60)
            stack.workers["flows"].kill()  # SIGKILL: unacknowledged looks go back to the queue
            stack.restart("flows")
            done = events.collect(1, "flow.invoice.completed", timeout=120)
            time.sleep(2)
            events.collect(10**6, timeout=0.5)
    finally:
        module_anaf.state.config.processing_delay_s = 0.3
    assert sorted(created) == [False, False, True]
    assert done and len(events.named("flow.invoice.completed")) >= 1
    assert len(_filings(module_anaf, number)) == 1 and len(module_anaf.state.filings) >= 1
    assert len(_mails_for(smtp, number)) == 1
    assert {e["correlation_id"] for e in events.events} == {cid}
    assert len(events.named("efactura.submitted")) == 1


def test_invoice_efactura_refuses_stops_the_flow_with_an_alert_and_nothing_filed(
    stack: Stack, celery_client, broker_url, module_anaf: FakeAnafServer, smtp: SmtpServer, slack: FakeSlack
) -> None:
    number = "MQ-FARA-NUMAR-" + "".join(random.choices(string.ascii_uppercase, k=6))  # BR-RO-010: no digit
    cid = f"mercantiq-{uuid.uuid4().hex}"
    posted_before = len(slack.posted)
    with collect_events(broker_url, "flow.invoice.#") as events:
        _start(celery_client, {**_flow(number), "accounting_channel": "contabilitate"}, cid)
        stopped = events.collect(1, "flow.invoice.stopped", timeout=90)
    assert stopped and stopped[0]["correlation_id"] == cid
    assert any("BR-RO-010" in e for e in stopped[0]["data"]["errors"])
    assert _filings(module_anaf, number) == [] and _mails_for(smtp, number) == []
    (alert,) = slack.posted[posted_before:]
    assert alert.channel == "C0000CONTAB" and "BR-RO-010" in str(alert.text)
