"""Broker connection lost while an e-mail is being sent (issue 20 F1, F2): sent once, its event published.

The worker reaches RabbitMQ through a loopback proxy; the SMTP server cuts that link the moment it has the
message and answers 250 a second later. The worker cancels its running task (SIGTERM to the child,
``worker_cancel_long_running_tasks_on_connection_loss``) while the child waits for that reply; RabbitMQ
redelivers the message once the link is back. Before the fix the child released its idempotency claim on the
way out and the redelivery sent the e-mail again, and ``email.sent`` was never published.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from kombu import Connection, Queue

from shared.events import EVENTS_EXCHANGE, event_id_for
from tests.email_send.conftest import worker_env_for
from tests.email_send.smtpd import SmtpServer
from tests.support.faults import proxy_for, through


def _event_queue(conn: Connection) -> Queue:
    queue = Queue(
        f"test-email-loss-{uuid.uuid4().hex[:6]}",
        exchange=EVENTS_EXCHANGE,
        routing_key="email.sent",
        durable=False,
        auto_delete=True,
    )
    queue(conn.default_channel).declare()
    return queue


def test_connection_loss_mid_send_sends_once_and_publishes_the_event(
    start_worker, celery_client, smtp_server: SmtpServer, broker_url: str, tcp_proxy
) -> None:
    proxy = proxy_for(broker_url, tcp_proxy)
    start_worker("email.send", env={**worker_env_for(smtp_server), "RMQ_URL": through(broker_url, proxy)})
    recorder = smtp_server.recorder
    recorder.before_reply = proxy.cut  # the broker goes away while the server holds the accepted message
    recorder.reply_delay = 1.0
    with Connection(broker_url) as conn:
        events = _event_queue(conn)
        result = celery_client.send_task(
            "email.send", kwargs={"to": ["ana@exemplu.ro"], "subject": "Factura FCT-1", "text": "Vă mulțumim."}
        )
        assert recorder.accepted.wait(30), "the worker never sent the message"
        recorder.before_reply = None
        time.sleep(3.0)  # the worker notices, cancels the task; the child finishes the send and exits
        cut_for = time.monotonic()
        proxy.restore()
        value = result.get(timeout=60)
        recovered_s = time.monotonic() - cut_for
        received = []
        simple = conn.SimpleQueue(events, no_ack=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not received:
            try:
                received.append(json.loads(simple.get(timeout=1).body))
            except simple.Empty:
                continue
        simple.close()
    assert len(smtp_server.messages) == 1, "the redelivery sent the e-mail again"
    assert value["status"] == "duplicate" and value["message_id"] == smtp_server.messages[0].message["Message-ID"]
    assert received, "email.sent was lost with the broker connection"
    assert received[0]["id"] == event_id_for("email.sent", f"task:{result.id}")
    assert received[0]["data"]["message_id"] == value["message_id"]
    print(f"connection-loss recovery: result {recovered_s:.1f}s after the broker came back")


@pytest.mark.slow
def test_broker_outage_under_a_burst_sends_each_email_once(
    start_worker, celery_client, smtp_server: SmtpServer, broker_url: str, tcp_proxy
) -> None:
    """20 e-mails through 2 pool children, the broker gone for 10 s after the third: 20 sent, 20 events."""
    proxy = proxy_for(broker_url, tcp_proxy)
    start_worker(
        "email.send", env={**worker_env_for(smtp_server), "RMQ_URL": through(broker_url, proxy)}, concurrency=2
    )
    recorder = smtp_server.recorder
    recorder.reply_delay = 0.3

    def cut_after_three() -> None:
        if len(recorder.messages) == 3:
            proxy.cut()

    recorder.before_reply = cut_after_three
    with Connection(broker_url) as conn:
        events = _event_queue(conn)
        results = [
            celery_client.send_task(
                "email.send", kwargs={"to": [f"c{i}@exemplu.ro"], "subject": f"Factura {i}", "text": "Mulțumim."}
            )
            for i in range(20)
        ]
        assert recorder.accepted.wait(30)
        time.sleep(10.0)
        recorder.before_reply = None
        proxy.restore()
        back = time.monotonic()
        values = [r.get(timeout=120) for r in results]
        recovered_s = time.monotonic() - back
        expected = {event_id_for("email.sent", f"task:{r.id}") for r in results}
        seen: set[str] = set()
        simple = conn.SimpleQueue(events, no_ack=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not expected <= seen:
            try:
                seen.add(json.loads(simple.get(timeout=1).body)["id"])
            except simple.Empty:
                continue
        simple.close()
    ids = [m.message["Message-ID"] for m in smtp_server.messages]
    print(f"burst through a 10 s broker outage: {len(ids)} sent, all results {recovered_s:.1f}s after it returned")
    assert len(ids) == len(set(ids)) == 20, "an e-mail was sent twice"
    assert {v["message_id"] for v in values} == set(ids)
    assert expected <= seen, f"{len(expected - seen)} email.sent events lost"
