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
