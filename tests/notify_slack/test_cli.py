"""``workers-core slack`` commands, run through click against the fake Slack."""

from __future__ import annotations

import json

from click.testing import CliRunner

from notify_slack.cli import cli
from notify_slack.config import get_settings
from tests.fakes.slack import TOKEN, FakeSlack


def run(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, args, env={"WORKERS_CORE_ENV": "test", **env})
    finally:
        get_settings.cache_clear()


def test_check_token_mode(fake_slack: FakeSlack) -> None:
    ok = run(["check"], {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": fake_slack.api_url})
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["team"] == "Firma Test"
    bad = run(["check"], {"SLACK_BOT_TOKEN": "xoxb-revocat", "SLACK_API_URL": fake_slack.api_url})
    assert bad.exit_code == 1 and json.loads(bad.output)["error"]["details"]["slack_error"] == "invalid_auth"


def test_preview_escapes_and_posts_nothing(fake_slack: FakeSlack) -> None:
    env = {"SLACK_WEBHOOK_URL": fake_slack.webhook_url("general")}
    out = run(["preview", json.dumps({"text": "Atenție <!channel> & test"})], env)
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == {
        "mode": "webhook",
        "channel": None,
        "text": "Atenție &lt;!channel&gt; &amp; test",
        "blocks": None,
    }
    bad = run(["preview", json.dumps({"text": "x" * 40_001})], env)
    assert bad.exit_code == 1
    assert fake_slack.requests == []
