"""Issue 16 item 7: in raw mode every ``<!...>`` special sequence is a broadcast, whatever its spelling.

Only the request's ``mention`` field notifies a group (it adds the canonical token itself); raw markup carrying
``<!group>``, ``<! channel>``, ``<!channel|x>``, a subteam or any other ``<!...>`` spelling is refused before any
idempotency claim or Slack call, and escaped text never carries one. Slack's date formatting stays usable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from notify_slack.client import SlackClient
from notify_slack.config import NotifySlackSettings
from notify_slack.markup import prepare_message
from notify_slack.models import SlackRequest
from notify_slack.service import SlackService, channel_pace
from shared.errors import PayloadError
from shared.idempotency import IdempotencyGuard
from tests.fakes.slack import TOKEN, FakeSlack

SPELLINGS = [
    "<!here>",
    "<!channel>",
    "<!everyone>",
    "<!group>",
    "<! channel>",
    "<!channel >",
    "<!channel|x>",
    "<!here|here>",
    "<!CHANNEL>",
    "<!subteam^S0123ABCD>",
    "<!subteam^S0123ABCD|@contabilitate>",
    "<\n!here>",
    "<\u200b!channel>",
    "<!everyone",  # unterminated: refused rather than guessed about
    "<!date^1700000000^{date}|<!channel>>",  # a broadcast hidden in a date's fallback text
]


def prepare(**payload: Any):  # type: ignore[no-untyped-def]
    return prepare_message(SlackRequest.model_validate(payload))


def refusal(**payload: Any) -> list[dict[str, Any]]:
    with pytest.raises(PayloadError) as info:
        prepare(**payload)
    return info.value.errors


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_raw_text_with_any_special_mention_is_refused(spelling: str) -> None:
    [error] = refusal(text=f"Raport lunar {spelling} gata", raw=True)
    assert error["loc"] == ["text"] and error["type"] == "broadcast_not_allowed"


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_raw_blocks_with_any_special_mention_are_refused(spelling: str) -> None:
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Încasare înregistrată"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"vezi {spelling}"}]},
    ]
    errors = refusal(blocks=blocks, raw=True)
    assert [(e["loc"], e["type"]) for e in errors] == [(["blocks"], "broadcast_not_allowed")]
    markdown = [{"type": "markdown", "text": f"**Atenție** {spelling}"}]
    assert refusal(blocks=markdown, raw=True)[0]["type"] == "broadcast_not_allowed"


@pytest.mark.parametrize("mention", ["here", "channel", "everyone"])
def test_the_mention_field_does_not_open_raw_spellings(mention: str) -> None:
    """Asking for ``@channel`` adds the one canonical token; it never lets raw markup broadcast too."""
    for spelling in (f"<!{mention}>", "<!group>", f"<! {mention}>", f"<!{mention}|x>"):
        assert refusal(text=f"x {spelling}", raw=True, mention=mention)[0]["type"] == "broadcast_not_allowed"
    out = prepare(text="Serverul de facturare nu răspunde", raw=True, mention=mention)
    assert out.text == f"<!{mention}> Serverul de facturare nu răspunde"


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_escaped_text_carries_no_special_sequence(spelling: str) -> None:
    out = prepare(text=f"Mesaj {spelling}", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": spelling}}])
    assert out.text is not None and "<" not in out.text and ">" not in out.text
    assert out.blocks is not None and "<" not in out.blocks[0]["text"]["text"]
    with_mention = prepare(text=f"Mesaj {spelling}", mention="here")
    assert with_mention.text is not None and with_mention.text.count("<") == 1
    assert with_mention.text.startswith("<!here> Mesaj ")


def test_raw_markup_that_pings_nobody_still_goes_through() -> None:
    text = (
        "Factura <https://app.firma.ro/f/42|FCT-0042> pentru <@U0123ABCD> în <#C0000FACTURI>, "
        "emisă <!date^1700000000^{date_short} {time}|14 nov 2023>"
    )
    assert prepare(text=text, raw=True).text == text


@pytest.fixture
def slack_service(redis_url: str) -> Iterator[tuple[SlackService, FakeSlack, IdempotencyGuard, redis.Redis]]:
    """The real service over the fake Slack (real HTTP on loopback) and the real Redis."""
    fake = FakeSlack().start()
    client: redis.Redis = redis.Redis.from_url(redis_url)
    ns = f"slack-sec-{uuid.uuid4().hex[:8]}"
    settings = NotifySlackSettings(
        bot_token=TOKEN, api_url=fake.api_url, default_channel="#alerte", timeout=5.0, WORKERS_CORE_ENV="test"
    )
    guard = IdempotencyGuard(client, namespace=ns, lock_seconds=30, ttl_seconds=600)
    service = SlackService(
        settings=settings,
        client=SlackClient(settings),
        guard=guard,
        limiter=channel_pace(client, rate=50.0, burst=50, namespace=ns),
    )
    yield service, fake, guard, client
    fake.stop()
    client.close()


@pytest.mark.parametrize("spelling", ["<!group>", "<! channel>", "<!channel|x>", "<!subteam^S0123ABCD>"])
def test_the_service_posts_nothing_and_claims_nothing(slack_service, spelling: str) -> None:  # type: ignore[no-untyped-def]
    service, fake, guard, client = slack_service
    request = SlackRequest.model_validate({"text": f"alertă {spelling}", "raw": True, "idempotency_key": "k-sec"})
    with pytest.raises(PayloadError):
        service.notify(request)
    assert fake.requests == [] and client.get(guard.redis_key("k-sec")) is None
    allowed = SlackRequest.model_validate(
        {"text": "alertă", "raw": True, "mention": "channel", "idempotency_key": "k-sec"}
    )
    assert service.notify(allowed).status == "sent"
    [posted] = fake.posted
    assert posted.text == "<!channel> alertă"
