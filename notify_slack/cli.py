"""``workers-core slack ...``: check the Slack configuration and preview what a payload would post."""

from __future__ import annotations

import json
import sys

import click
from pydantic import ValidationError

from notify_slack.config import get_settings
from notify_slack.health import slack_check
from notify_slack.markup import prepare_message
from notify_slack.models import SlackRequest
from notify_slack.service import resolve_target
from shared.errors import PayloadError, WorkerError

__all__ = ["cli"]


@click.group(name="slack")
def cli() -> None:
    """The notify.slack worker's tools."""


@cli.command()
def check() -> None:
    """auth.test (token mode) or the webhook configuration check, like /readyz?deep=true; exit 1 on failure."""
    try:
        details = slack_check(get_settings())
    except WorkerError as exc:
        click.echo(json.dumps({"status": "fail", "error": exc.to_dict()}, ensure_ascii=False))
        sys.exit(1)
    click.echo(json.dumps({"status": "ok", **details}, ensure_ascii=False))


@cli.command()
@click.argument("payload_json")
def preview(payload_json: str) -> None:
    """Show where PAYLOAD_JSON (notify.slack kwargs) would go and the escaped text/blocks; posts nothing."""
    try:
        request = SlackRequest.model_validate_json(payload_json)
        target = resolve_target(request, get_settings())
        message = prepare_message(request)
    except ValidationError as exc:
        click.echo(json.dumps(PayloadError.from_validation_error(exc).to_dict(), ensure_ascii=False), err=True)
        sys.exit(1)
    except WorkerError as exc:
        click.echo(json.dumps(exc.to_dict(), ensure_ascii=False), err=True)
        sys.exit(1)
    click.echo(
        json.dumps(
            {"mode": target.mode, "channel": target.channel, "text": message.text, "blocks": message.blocks},
            ensure_ascii=False,
            indent=2,
        )
    )
