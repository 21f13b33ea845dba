"""`notify.slack` through RabbitMQ to real worker processes and the fake Slack (real HTTP on loopback)."""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

import httpx
from kombu import Connection, Queue

from shared.events import EVENTS_EXCHANGE
from tests.fakes.slack import TOKEN, FakeSlack
from tests.notify_slack.conftest import worker_env_token


def failure(result: Any) -> dict[str, Any]:
    result.get(timeout=60, propagate=False)
    assert result.state == "FAILURE", result.state
    err = result.result.args[0]
    assert isinstance(err, dict)
    return err


def test_token_mode_message_with_blocks(start_worker, celery_client, fake_slack: FakeSlack) -> None:
    start_worker("notify.slack", env=worker_env_token(fake_slack))
    body = celery_client.send_task(
        "notify.slack",
        kwargs={
            "text": "Factura FCT-0042 a fost încasată <!channel>",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "Încasare"}},
                {"type": "section", "text": {"type": "mrkdwn", "text": "*Client:* Țară & Fiu SRL"}},
            ],
            "channel": "#facturi",
        },
    ).get(timeout=60)
    assert body["status"] == "sent" and body["mode"] == "token" and body["channel"] == "C0000FACTURI"
    [posted] = fake_slack.posted
    assert posted.text == "Factura FCT-0042 a fost încasată &lt;!channel&gt;"
    assert posted.blocks[1]["text"]["text"] == "*Client:* Țară &amp; Fiu SRL"
    assert posted.ts == body["ts"]


def test_webhook_mode_through_the_worker(start_worker, celery_client, fake_slack: FakeSlack) -> None:
    start_worker("notify.slack", env={"SLACK_WEBHOOK_URL": fake_slack.webhook_url("general"), "SLACK_TIMEOUT": "5"})
    body = celery_client.send_task("notify.slack", kwargs={"text": "Backup reușit :white_check_mark:"}).get(timeout=60)
    assert body["status"] == "sent" and body["mode"] == "webhook"
    assert [(p.via, p.channel, p.text) for p in fake_slack.posted] == [
        ("webhook", "C0000GENERAL", "Backup reușit :white_check_mark:")
    ]


def test_a_post_and_its_duplicate_publish_the_same_event(
    start_worker, celery_client, fake_slack: FakeSlack, broker_url
) -> None:
    """The package's own names (``NOTIFY_SLACK_*``) configure the worker; one post, and the duplicate publishes the
    same ``slack.posted`` again (same envelope id and data: the first copy may have been lost with the broker)."""
    start_worker(
        "notify.slack",
        env={
            "NOTIFY_SLACK_BOT_TOKEN": TOKEN,
            "NOTIFY_SLACK_API_URL": fake_slack.api_url,
            "NOTIFY_SLACK_DEFAULT_CHANNEL": "#alerte",
            "NOTIFY_SLACK_TIMEOUT": "5",
        },
    )
    with Connection(broker_url) as conn:
        events = Queue(
            f"test-slack-events-{uuid.uuid4().hex[:6]}",
            exchange=EVENTS_EXCHANGE,
            routing_key="slack.#",
            durable=False,
            auto_delete=True,
        )
        events(conn.default_channel).declare()
        kwargs = {"text": "Export SAF-T gata", "idempotency_key": f"saft-{uuid.uuid4().hex[:6]}"}
        first = celery_client.send_task("notify.slack", kwargs=kwargs).get(timeout=60)
        again = celery_client.send_task("notify.slack", kwargs=kwargs).get(timeout=60)
        simple = conn.SimpleQueue(events, no_ack=True)
        event = simple.get(timeout=20).payload
        copy = simple.get(timeout=20).payload
        try:
            extra = simple.get(timeout=2).payload
        except simple.Empty:
            extra = None
        simple.close()
    assert (first["status"], again["status"]) == ("sent", "duplicate")
    assert event["event"] == "slack.posted" and event["data"] == {
        "mode": "token",
        "channel": "C0000ALERTE",
        "ts": first["ts"],
        "idempotency_key": kwargs["idempotency_key"],
    }
    assert (copy["id"], copy["data"]) == (event["id"], event["data"])
    assert extra is None and len(fake_slack.posted) == 1


def test_429_is_retried_after_retry_after_without_blocking_the_worker(
    start_worker, celery_client, fake_slack: FakeSlack
) -> None:
    worker = start_worker("notify.slack", env=worker_env_token(fake_slack), concurrency=1)
    fake_slack.fail_next(429, "ratelimited", retry_after=3)
    limited = celery_client.send_task("notify.slack", kwargs={"text": "limitat", "channel": "#alerte"})
    deadline = time.monotonic() + 30
    while not fake_slack.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    first_try = fake_slack.requests[0].at
    # one pool process: had the worker slept for Retry-After, this would wait behind it
    other = celery_client.send_task("notify.slack", kwargs={"text": "altul", "channel": "#facturi"}).get(timeout=30)
    assert other["status"] == "sent"
    assert limited.get(timeout=60)["status"] == "sent"
    by_text = {p.text: p for p in fake_slack.posted}
    assert by_text["altul"].at - first_try < 2.5
    assert by_text["limitat"].at - first_try >= 3.0
    assert "transient failure, retrying" in worker.logs() and "slack_rate_limited" in worker.logs()


def test_replicas_keep_a_channel_at_one_message_per_second(start_worker, celery_client, fake_slack: FakeSlack) -> None:
    fake_slack.rate_per_second, fake_slack.burst = 1.0, 1  # Slack itself would answer 429 past this
    env = worker_env_token(fake_slack, SLACK_RATE_PER_SECOND="1", SLACK_RATE_BURST="1")
    start_worker("notify.slack", env=env, name=f"slack-a-{uuid.uuid4().hex[:4]}")
    start_worker("notify.slack", env=env, name=f"slack-b-{uuid.uuid4().hex[:4]}")
    results = [
        celery_client.send_task("notify.slack", kwargs={"text": f"mesaj {i}", "channel": "#alerte"}) for i in range(5)
    ]
    assert [r.get(timeout=90)["status"] for r in results] == ["sent"] * 5
    posted = sorted(p.at for p in fake_slack.posted)
    assert len(posted) == 5 and fake_slack.rate_limited == 0
    gaps = [b - a for a, b in itertools.pairwise(posted)]
    assert min(gaps) >= 0.9, gaps
    assert sorted(p.text for p in fake_slack.posted) == [f"mesaj {i}" for i in range(5)]


def test_bad_input_fails_fast_and_posts_nothing(start_worker, celery_client, fake_slack: FakeSlack) -> None:
    worker = start_worker("notify.slack", env=worker_env_token(fake_slack))
    bad = [
        ({"text": "x" * 40_001}, ["text"]),
        (
            {"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}]},
            ["blocks", 0, "text", "text"],
        ),
        ({"text": "x", "blocks": [{"type": "divider"}] * 51}, ["blocks"]),
        (
            {"text": "x", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}]},
            ["blocks", 0, "text", "type"],
        ),
        ({"text": "salut <!here>", "raw": True}, ["text"]),
        ({"text": "x", "channel": "canal cu spații"}, ["channel"]),
        ({}, []),
    ]
    results = [(celery_client.send_task("notify.slack", kwargs=payload), loc) for payload, loc in bad]
    for result, loc in results:
        err = failure(result)
        assert err["code"] == "invalid_payload" and err["retryable"] is False
        assert any([str(p) for p in e["loc"]][: len(loc)] == [str(p) for p in loc] for e in err["errors"]), err
    assert fake_slack.posted == [] and fake_slack.requests == []
    assert "retrying" not in worker.logs()


def test_slack_refusal_fails_with_slacks_error(start_worker, celery_client, fake_slack: FakeSlack) -> None:
    start_worker("notify.slack", env=worker_env_token(fake_slack))
    err = failure(celery_client.send_task("notify.slack", kwargs={"text": "x", "channel": "#nu-exista"}))
    assert err["code"] == "slack_rejected" and err["details"] == {
        "slack_error": "channel_not_found",
        "http_status": 200,
    }


def test_deep_health_check_runs_auth_test(start_worker, fake_slack: FakeSlack) -> None:
    worker = start_worker("notify.slack", env=worker_env_token(fake_slack))
    ready = httpx.get(worker.health_url + "/readyz", params={"deep": "true"}, timeout=15)
    assert ready.status_code == 200, ready.text
    [check] = [c for c in ready.json()["deep"] if c["name"] == "slack"]
    assert check["status"] == "ok" and check["details"]["team"] == "Firma Test"
    assert any(r.path == "/api/auth.test" for r in fake_slack.requests)
    bad = start_worker("notify.slack", env=worker_env_token(fake_slack, SLACK_BOT_TOKEN="xoxb-revoked"))
    down = httpx.get(bad.health_url + "/readyz", params={"deep": "true"}, timeout=15)
    assert down.status_code == 503
    [check] = [c for c in down.json()["deep"] if c["name"] == "slack"]
    assert check["status"] == "fail" and "invalid_auth" in check["error"]
