"""``workers-core email ...``: check the SMTP relay, list and preview the e-mail templates."""

from __future__ import annotations

import json
import sys

import click

from email_send.config import get_settings
from email_send.errors import SmtpError
from email_send.health import smtp_check
from email_send.templates import TemplateRenderer
from shared.errors import WorkerError

__all__ = ["cli"]


@click.group(name="email")
def cli() -> None:
    """The email.send worker's tools."""


@cli.command()
def check() -> None:
    """Connect to EMAIL_SEND_SMTP_HOST (TLS as configured) and NOOP, like /readyz?deep=true; exit 1 on failure."""
    try:
        details = smtp_check(get_settings().smtp)
    except SmtpError as exc:
        click.echo(json.dumps({"status": "fail", "error": exc.to_dict()}, ensure_ascii=False))
        sys.exit(1)
    click.echo(json.dumps({"status": "ok", **details}, ensure_ascii=False))


@cli.command()
def templates() -> None:
    """List the template names (package templates and EMAIL_SEND_TEMPLATE_DIR)."""
    for name in TemplateRenderer(get_settings().template_dir).names():
        click.echo(name)


@cli.command()
@click.argument("name")
@click.option("--data", "data_json", default="{}", help="Template data as a JSON object.")
def render(name: str, data_json: str) -> None:
    """Render template NAME with --data and print subject, text and html (nothing is sent)."""
    try:
        data = json.loads(data_json)
        if not isinstance(data, dict):
            raise click.BadParameter("--data must be a JSON object")
        rendered = TemplateRenderer(get_settings().template_dir).render(name, data)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"--data is not JSON: {exc}") from None
    except WorkerError as exc:
        click.echo(json.dumps(exc.to_dict(), ensure_ascii=False), err=True)
        sys.exit(1)
    click.echo(
        json.dumps(
            {"subject": rendered.subject, "text": rendered.text, "html": rendered.html}, ensure_ascii=False, indent=2
        )
    )
