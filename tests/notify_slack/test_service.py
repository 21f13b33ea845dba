"""The Slack service against the fake Slack (real HTTP) and the real Redis."""

from __future__ import annotations

import json

import pytest

from notify_slack.client import SlackClient
from notify_slack.errors import (
    ChannelBusy,
    SlackAuthError,
    SlackConnectionError,
    SlackNotConfigured,
    SlackRateLimited,
    SlackRejected,
    SlackTransientError,
)
from notify_slack.health import SlackCheck, deep_checks, slack_check, webhook_config_check
from notify_slack.models import SlackRequest
from shared.errors import PayloadError, PermanentError, TransientError
from tests.fakes.slack import FakeSlack, free_port
from tests.notify_slack.conftest import token_settings, webhook_settings


def req(**payload: object) -> SlackRequest:
    return SlackRequest.model_validate(payload)


def test_token_mode_posts_escaped_text_to_the_default_channel(fake_slack: FakeSlack, make_service) -> None:
    service = make_service(token_settings(fake_slack))
    result = service.notify(req(text="Plata <!channel> & restanțe", idempotency_key="k1"))
    assert result.status == "sent" and result.mode == "token"
    assert result.channel == "C0000ALERTE" and result.ts
    [posted] = fake_slack.posted
    assert posted.via == "chat.postMessage" and posted.text == "Plata &lt;!channel&gt; &amp; restanțe"
    [call] = [r for r in fake_slack.requests if r.path == "/api/chat.postMessage"]
    assert call.headers["authorization"] == "Bearer xoxb-1111-2222-fake-token"
    assert "charset=utf-8" in call.headers["content-type"]
    body = call.json
    assert body["link_names"] is False and body["parse"] == "none" and body["unfurl_links"] is False


def test_channel_from_payload_blocks_mention_and_thread(fake_slack: FakeSlack, make_service) -> None:
    service = make_service(token_settings(fake_slack))
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Încasat:* 2.380,00 lei"}}]
    result = service.notify(
        req(text="Încasare", blocks=blocks, channel="#facturi", mention="here", thread_ts="1700000000.000100")
    )
    assert result.channel == "C0000FACTURI"
    [posted] = fake_slack.posted
    assert posted.text == "<!here> Încasare" and posted.thread_ts == "1700000000.000100"
    assert posted.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "<!here>"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Încasat:* 2.380,00 lei"}},
    ]


def test_webhook_mode_default_and_per_channel(fake_slack: FakeSlack, make_service) -> None:
    settings = webhook_settings(fake_slack, channel_webhooks={"#facturi": fake_slack.webhook_url("facturi")})
    service = make_service(settings)
    a = service.notify(req(text="implicit"))
    b = service.notify(req(text="pe canal", channel="#facturi"))
    assert (a.mode, b.mode) == ("webhook", "webhook")
    assert [(p.channel, p.text, p.via) for p in fake_slack.posted] == [
        ("C0000GENERAL", "implicit", "webhook"),
        ("C0000FACTURI", "pe canal", "webhook"),
    ]
    with pytest.raises(SlackNotConfigured) as info:
        service.notify(req(text="x", channel="#necunoscut"))
    assert isinstance(info.value, PermanentError) and "SLACK_CHANNEL_WEBHOOKS" in info.value.message
    assert len(fake_slack.posted) == 2


def test_same_key_posts_once(fake_slack: FakeSlack, make_service) -> None:
    service = make_service(token_settings(fake_slack))
    first = service.notify(req(text="o dată"), default_key="task:1")
    second = service.notify(req(text="o dată"), default_key="task:1")
    assert (first.status, second.status) == ("sent", "duplicate") and second.ts == first.ts
    assert len(fake_slack.posted) == 1


def test_429_becomes_a_retry_after_and_slows_the_channel_for_everyone(fake_slack: FakeSlack, make_service) -> None:
    service = make_service(token_settings(fake_slack))
    fake_slack.fail_next(429, "ratelimited", retry_after=7)
    with pytest.raises(SlackRateLimited) as info:
        service.notify(req(text="x", idempotency_key="k-429"))
    err = info.value
    assert isinstance(err, TransientError) and err.retry_after == 7.0
    assert err.details == {"slack_error": "ratelimited", "http_status": 429}
    # every replica now waits: the channel's next slot is ~7 s away (and the claim was released)
    with pytest.raises(ChannelBusy) as busy:
        service.notify(req(text="x", idempotency_key="k-429"))
    assert 6.0 < (busy.value.retry_after or 0) <= 7.0
    assert fake_slack.posted == []


@pytest.mark.parametrize(
    ("error", "status", "cls"),
    [
        ("channel_not_found", 200, SlackRejected),
        ("is_archived", 200, SlackRejected),
        ("msg_too_long", 200, SlackRejected),
        ("invalid_auth", 200, SlackAuthError),
        ("token_revoked", 200, SlackAuthError),
        ("missing_scope", 200, SlackAuthError),
        ("internal_error", 200, SlackTransientError),
        ("service_unavailable", 503, SlackTransientError),
    ],
)
def test_web_api_errors_map_to_the_tree(
    fake_slack: FakeSlack, make_service, error: str, status: int, cls: type
) -> None:
    service = make_service(token_settings(fake_slack))
    fake_slack.fail_next(status, error)
    with pytest.raises(cls) as info:
        service.notify(req(text="x"))
    assert info.value.details["slack_error"] == error and info.value.details["http_status"] == status
    assert fake_slack.posted == []
    assert service.notify(req(text="x")).status == "sent"  # the claim was released: a retry posts


def test_real_refusals_from_slack(fake_slack: FakeSlack, make_service) -> None:
    fake_slack.archived.add("C0000FACTURI")
    service = make_service(token_settings(fake_slack))
    with pytest.raises(SlackRejected) as archived:
        service.notify(req(text="x", channel="#facturi"))
    assert archived.value.details["slack_error"] == "is_archived"
    with pytest.raises(SlackRejected) as missing:
        service.notify(req(text="x", channel="#inexistent"))
    assert missing.value.details["slack_error"] == "channel_not_found"
    bad_token = make_service(token_settings(fake_slack, bot_token="xoxb-wrong"))
    with pytest.raises(SlackAuthError) as auth:
        bad_token.notify(req(text="x"))
    assert auth.value.details["slack_error"] == "invalid_auth" and not auth.value.retryable


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (404, "no_service", SlackAuthError),
        (410, "channel_is_archived", SlackRejected),
        (403, "action_prohibited", SlackRejected),
        (400, "invalid_payload", SlackRejected),
        (500, "rollup_error", SlackTransientError),
        (429, "rate_limited", SlackRateLimited),
    ],
)
def test_webhook_errors_map_to_the_tree(fake_slack: FakeSlack, make_service, status: int, body: str, cls: type) -> None:
    service = make_service(webhook_settings(fake_slack))
    fake_slack.fail_next(status, body, retry_after=3)
    with pytest.raises(cls) as info:
        service.notify(req(text="x"))
    assert info.value.details == {"slack_error": body, "http_status": status}
    if status == 429:
        assert info.value.retry_after == 3.0


def test_revoked_webhook_url(fake_slack: FakeSlack, make_service) -> None:
    settings = webhook_settings(fake_slack, webhook_url=fake_slack.base + "/services/T0000FAKE/B9999999/revoked")
    with pytest.raises(SlackAuthError) as info:
        make_service(settings).notify(req(text="x"))
    assert info.value.details == {"slack_error": "no_service", "http_status": 404}


def test_channel_pace_defers_instead_of_sleeping(fake_slack: FakeSlack, make_service) -> None:
    service = make_service(token_settings(fake_slack), rate=1.0, burst=1)
    assert service.notify(req(text="1", idempotency_key="p1")).status == "sent"
    with pytest.raises(ChannelBusy) as busy:
        service.notify(req(text="2", idempotency_key="p2"))
    assert 0.9 < (busy.value.retry_after or 0) <= 1.0 and busy.value.retryable
    assert service.notify(req(text="3", channel="#facturi", idempotency_key="p3")).status == "sent"
    assert [p.text for p in fake_slack.posted] == ["1", "3"]


def test_bad_payload_posts_nothing_and_claims_nothing(fake_slack: FakeSlack, make_service) -> None:
    service = make_service(token_settings(fake_slack))
    with pytest.raises(PayloadError):
        service.notify(req(text="x" * 40_001, idempotency_key="k-big"))
    assert service.notify(req(text="x", idempotency_key="k-big")).status == "sent"
    assert len(fake_slack.posted) == 1


def test_unreachable_slack_is_transient(make_service) -> None:
    dead = FakeSlack()  # never started
    service = make_service(token_settings(dead))
    with pytest.raises(SlackConnectionError) as info:
        service.notify(req(text="x"))
    assert info.value.retryable


def test_token_mode_needs_a_token_and_a_channel(fake_slack: FakeSlack, make_service) -> None:
    with pytest.raises(SlackNotConfigured):
        make_service(token_settings(fake_slack, bot_token=None, mode="token")).notify(req(text="x"))
    with pytest.raises(SlackNotConfigured):
        make_service(token_settings(fake_slack, default_channel=None)).notify(req(text="x"))


def test_deep_check_token_mode_uses_auth_test(fake_slack: FakeSlack) -> None:
    details = slack_check(token_settings(fake_slack))
    assert details == {"mode": "token", "team": "Firma Test", "bot_id": "B0000FAKE", "cached": False}
    assert [r.path for r in fake_slack.requests] == ["/api/auth.test"]
    with pytest.raises(SlackAuthError):
        slack_check(token_settings(fake_slack, bot_token="xoxb-nope", api_url=fake_slack.base + "/api/"))
    with pytest.raises(SlackConnectionError):
        slack_check(token_settings(fake_slack, api_url=f"http://127.0.0.1:{free_port()}/api/"))
    [check] = deep_checks(token_settings(fake_slack))
    assert check.name == "slack" and isinstance(check.check, SlackCheck)
    assert check.check()["cached"] is False and check.check()["cached"] is True  # Slack rate-limits auth.test
    assert [r.path for r in fake_slack.requests].count("/api/auth.test") == 3


def test_deep_check_webhook_mode_checks_configuration_only(fake_slack: FakeSlack) -> None:
    details = webhook_config_check(webhook_settings(fake_slack))
    assert details["mode"] == "webhook" and details["webhooks"] == 1
    assert fake_slack.requests == []
    with pytest.raises(SlackNotConfigured):
        webhook_config_check(webhook_settings(fake_slack, webhook_url="http://hooks.example.com/services/T/B/x"))
    with pytest.raises(SlackNotConfigured):
        webhook_config_check(webhook_settings(fake_slack, webhook_url=None))


def test_client_reports_invalid_blocks_messages(fake_slack: FakeSlack) -> None:
    client = SlackClient(token_settings(fake_slack))
    with pytest.raises(SlackRejected) as info:
        client.post_message(channel="#alerte", text="x", blocks=[{"type": "nonsense"}])
    details = info.value.details
    assert details["slack_error"] == "invalid_blocks"
    assert details["messages"] == ["[ERROR] unsupported type: nonsense [json-pointer:/blocks/0/type]"]
    assert json.loads(fake_slack.requests[-1].body)["blocks"] == [{"type": "nonsense"}]


def test_settings_read_the_package_prefix_and_the_old_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """``NOTIFY_SLACK_*`` are the names; ``SLACK_*`` still read; the new name wins when both are set."""
    from notify_slack.config import NotifySlackSettings

    monkeypatch.setenv("WORKERS_CORE_ENV", "test")
    monkeypatch.setenv("SLACK_DEFAULT_CHANNEL", "#vechi")
    monkeypatch.setenv("SLACK_RATE_BURST", "3")
    assert (NotifySlackSettings().default_channel, NotifySlackSettings().rate_burst) == ("#vechi", 3)
    monkeypatch.setenv("NOTIFY_SLACK_DEFAULT_CHANNEL", "#nou")
    assert (NotifySlackSettings().default_channel, NotifySlackSettings().rate_burst) == ("#nou", 3)


def test_a_redelivered_post_publishes_the_same_event_again(fake_slack: FakeSlack, make_service, redis_conn) -> None:
    """The handler over the real service: a redelivery (duplicate) re-publishes ``slack.posted`` with the first
    post's ``ts`` and the same envelope id, since the first attempt may have died before its event left."""
    import uuid

    from notify_slack.service import NotifySlackServices
    from notify_slack.tasks import notify
    from shared.events import event_id_for
    from shared.worker import TaskContext

    settings = token_settings(fake_slack)
    services = NotifySlackServices(settings=settings, slack=make_service(settings), redis=redis_conn)
    ctx = TaskContext(task_id=str(uuid.uuid4()), retries=0, correlation_id=None)
    first = notify(services, req(text="Factura FCT-9 încasată"), ctx)
    again = notify(services, req(text="Factura FCT-9 încasată"), ctx)
    assert (first.json()["status"], again.json()["status"]) == ("sent", "duplicate")
    assert again.events == first.events and len(fake_slack.posted) == 1
    [event] = first.events
    assert event.name == "slack.posted" and event.data["ts"] == first.json()["ts"]
    assert event.id == event_id_for("slack.posted", f"task:{ctx.task_id}")
