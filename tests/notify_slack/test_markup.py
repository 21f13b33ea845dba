"""Making user text safe for Slack and enforcing Slack's limits before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from notify_slack.markup import escape, prepare_message
from notify_slack.models import SlackRequest
from shared.errors import PayloadError


def prepare(**payload: Any):  # type: ignore[no-untyped-def]
    return prepare_message(SlackRequest.model_validate(payload))


def refused(**payload: Any) -> list[dict[str, Any]]:
    with pytest.raises(PayloadError) as info:
        prepare(**payload)
    return info.value.errors


def test_user_text_cannot_ping_or_link() -> None:
    out = prepare(text="<!channel> urgent & <@U123> vezi <https://evil.example|aici> @here")
    assert out.text == "&lt;!channel&gt; urgent &amp; &lt;@U123&gt; vezi &lt;https://evil.example|aici&gt; @here"
    assert "<" not in out.text and ">" not in out.text
    assert escape("a&b<c>d") == "a&amp;b&lt;c&gt;d"


def test_diacritics_and_emoji_pass_untouched() -> None:
    assert prepare(text="Factura FCT-0042 a fost încasată — mulțumim! :tada:").text == (
        "Factura FCT-0042 a fost încasată — mulțumim! :tada:"
    )


def test_block_text_objects_are_escaped_too_and_the_request_is_not_mutated() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Alertă <!here>"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Client:* Țară & Fiu <!channel>"},
            "fields": [{"type": "mrkdwn", "text": "<!everyone>"}],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "<!subteam^S123>"}]},
    ]
    request = SlackRequest.model_validate({"blocks": blocks})
    out = prepare_message(request)
    assert out.blocks is not None
    assert out.blocks[0]["text"]["text"] == "Alertă &lt;!here&gt;"
    assert out.blocks[1]["text"]["text"] == "*Client:* Țară &amp; Fiu &lt;!channel&gt;"
    assert out.blocks[1]["fields"][0]["text"] == "&lt;!everyone&gt;"
    assert out.blocks[2]["elements"][0]["text"] == "&lt;!subteam^S123&gt;"
    assert request.blocks is not None and request.blocks[0]["text"]["text"] == "Alertă <!here>"


def test_mention_is_the_explicit_way_to_ping() -> None:
    assert prepare(text="Serverul a căzut", mention="here").text == "<!here> Serverul a căzut"
    out = prepare(text="x", mention="channel", blocks=[{"type": "divider"}])
    assert out.blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": "<!channel>"}}, {"type": "divider"}]


def test_raw_markup_keeps_links_but_never_broadcasts() -> None:
    assert (
        prepare(text="Vezi <https://app.firma.ro/f/42|factura>", raw=True).text
        == "Vezi <https://app.firma.ro/f/42|factura>"
    )
    assert refused(text="hei <!channel>", raw=True)[0]["type"] == "broadcast_not_allowed"
    assert refused(text="hei <!here|here>", raw=True)[0]["type"] == "broadcast_not_allowed"
    errors = refused(raw=True, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "<!everyone>"}}])
    assert errors[0]["loc"] == ["blocks"]
    assert refused(text="ok <!here>", raw=True, mention="here")[0]["type"] == "broadcast_not_allowed"


def test_rich_text_broadcast_elements_are_refused() -> None:
    blocks = [
        {
            "type": "rich_text",
            "elements": [{"type": "rich_text_section", "elements": [{"type": "broadcast", "range": "channel"}]}],
        }
    ]
    assert refused(blocks=blocks)[0]["type"] == "broadcast_not_allowed"


def test_text_limit_counts_the_escaped_text() -> None:
    assert prepare(text="a" * 40_000).text == "a" * 40_000
    errors = refused(text="<" * 10_001)  # 40,004 characters once escaped
    assert errors == [
        {"loc": ["text"], "msg": "40004 characters (after escaping) > Slack's limit of 40000", "type": "too_long"}
    ]


@pytest.mark.parametrize(
    ("blocks", "loc", "type_"),
    [
        ([{"type": "divider"}] * 51, ["blocks"], "too_long"),
        (
            [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
            ["blocks", 0, "text", "text"],
            "too_long",
        ),
        (
            [{"type": "section", "text": {"type": "mrkdwn", "text": "&" * 1000}}],
            ["blocks", 0, "text", "text"],
            "too_long",
        ),
        ([{"type": "section"}], ["blocks", 0], "missing"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], ["blocks", 0, "fields"], "too_long"),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}],
            ["blocks", 0, "fields", 0, "text"],
            "too_long",
        ),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}], ["blocks", 0, "text", "type"], "value_error"),
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
            ["blocks", 0, "text", "text"],
            "too_long",
        ),
        ([{"type": "section", "text": "doar un șir"}], ["blocks", 0, "text"], "type_error"),
        ([{"type": "section", "text": {"type": "bold", "text": "x"}}], ["blocks", 0, "text", "type"], "value_error"),
        ([{"type": "modal"}], ["blocks", 0, "type"], "value_error"),
        ([{"text": "fără tip"}], ["blocks", 0, "type"], "value_error"),
        (
            [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}],
            ["blocks", 0, "elements"],
            "too_long",
        ),
        (
            [{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x" * 76}}]}],
            ["blocks", 0, "elements", 0, "text", "text"],
            "too_long",
        ),
        ([{"type": "actions", "elements": []}], ["blocks", 0, "elements"], "too_long"),
        ([{"type": "image", "image_url": "https://x.ro/a.png"}], ["blocks", 0, "alt_text"], "missing"),
        ([{"type": "divider", "block_id": "b" * 256}], ["blocks", 0, "block_id"], "too_long"),
    ],
)
def test_malformed_or_oversized_block_kit_is_located(blocks: list[dict[str, Any]], loc: list[Any], type_: str) -> None:
    errors = refused(text="fallback", blocks=blocks)
    assert {"loc": loc, "type": type_} in [{"loc": e["loc"], "type": e["type"]} for e in errors], errors


def test_a_full_valid_message_passes() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Factură încasată"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*FCT-0042* — 2.380,00 lei"},
            "accessory": {
                "type": "button",
                "text": {"type": "plain_text", "text": "Deschide"},
                "url": "https://app.firma.ro/f/42",
                "action_id": "open",
            },
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "image", "image_url": "https://app.firma.ro/l.png", "alt_text": "logo"},
                {"type": "plain_text", "text": "workers-core"},
            ],
        },
        {
            "type": "image",
            "image_url": "https://app.firma.ro/grafic.png",
            "alt_text": "grafic",
            "title": {"type": "plain_text", "text": "Încasări"},
        },
        {"type": "markdown", "text": "**gata**"},
    ]
    out = prepare(text="Factură încasată", blocks=blocks)
    assert out.blocks is not None and len(out.blocks) == 6


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"text": "   "},
        {"text": "x", "channel": "#Canal Cu Spatii"},
        {"text": "x", "thread_ts": "ieri"},
        {"text": "x", "mention": "toti"},
        {"text": "x", "mode": "email"},
        {"text": "x", "extra": 1},
        {"text": "x", "blocks": ["nu un obiect"]},
        {"text": "x", "idempotency_key": "cu spatiu"},
    ],
)
def test_bad_requests_are_validation_errors(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SlackRequest.model_validate(payload)
