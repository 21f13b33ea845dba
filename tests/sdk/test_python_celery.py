"""The Python SDK over Celery against a real ``notify.slack`` worker (real RabbitMQ/Redis, fake Slack on loopback)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from workers_core_client import Client, TaskFailed, TaskTimeout, Unavailable
from workers_core_client.catalog import NOTIFY_SLACK, PDF_RENDER
from workers_core_client.celery_transport import CeleryTransport
from workers_core_client.models import NotifySlackPayload, NotifySlackResult, PdfRenderPayload, SlackPosted

from tests.fakes.slack import FakeSlack
from tests.notify_slack.conftest import worker_env_token


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture
def client(broker_url: str, redis_url: str) -> Iterator[Client]:
    with Client(CeleryTransport(broker_url, redis_url)) as sdk:
        yield sdk


def test_send_wait_typed_result_and_the_domain_event(
    start_worker, client: Client, fake_slack: FakeSlack, broker_url: str
) -> None:
    start_worker("notify.slack", env=worker_env_token(fake_slack))
    correlation = f"sdk-{uuid.uuid4().hex[:8]}"
    with client.subscribe(["slack.*"]) as events:
        handle = client.send(
            NOTIFY_SLACK, NotifySlackPayload(text="Factura încasată", channel="#facturi"), correlation_id=correlation
        )
        result = client.wait(handle, timeout=60)
        received = events.get(timeout=20)
    assert isinstance(result, NotifySlackResult) and result.status == "sent" and result.channel == "C0000FACTURI"
    assert handle.correlation_id == correlation and client.status(handle).state == "SUCCESS"
    assert received is not None and received.name == "slack.posted"
    assert received.envelope.correlation_id == correlation
    assert isinstance(received.data, SlackPosted) and received.data.ts == result.ts
    assert [p.text for p in fake_slack.posted] == ["Factura încasată"]


def test_failure_idempotency_and_progress(start_worker, client: Client, fake_slack: FakeSlack) -> None:
    start_worker("notify.slack", env=worker_env_token(fake_slack))
    missing = client.send("notify.slack", {"text": "x", "channel": "#nu-exista"})
    with pytest.raises(TaskFailed) as caught:
        client.wait(missing, timeout=60)
    assert caught.value.code == "slack_rejected" and caught.value.details["slack_error"] == "channel_not_found"

    key = f"once-{uuid.uuid4().hex[:8]}"
    first = client.send(NOTIFY_SLACK, {"text": "o dată"}, idempotency_key=key)
    states = [s.state for s in client.progress(first, timeout=60)]
    again = client.send(NOTIFY_SLACK, {"text": "o dată"}, idempotency_key=key)
    assert states[-1] == "SUCCESS"
    assert again.task_id == first.task_id and again.sent.replayed and not first.sent.replayed
    assert client.wait(again, timeout=10).status == "sent" and len(fake_slack.posted) == 1


def test_timeout_and_unreachable_broker(start_worker, client: Client, fake_slack: FakeSlack, redis_url: str) -> None:
    start_worker("notify.slack", env=worker_env_token(fake_slack))  # declares the task exchange of this vhost
    nobody = client.send(PDF_RENDER, PdfRenderPayload(html="<p>x</p>"))  # no pdf.render worker here
    with pytest.raises(TaskTimeout):
        client.wait(nobody, timeout=1)
    with Client(CeleryTransport("amqp://guest:guest@127.0.0.1:1//", redis_url, connect_timeout=1)) as down:
        with pytest.raises(Unavailable):
            down.send(NOTIFY_SLACK, {"text": "x"})
