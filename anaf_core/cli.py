"""``workers-core anaf ...``: the ANAF OAuth bootstrap and token care, shared by every ANAF worker.

The one-time bootstrap (a human with the qualified certificate)::

    workers-core anaf authorize-url            # open it in the browser holding the certificate
    workers-core anaf exchange-code <code>     # within 60 s: stores the token pair (Redis, or --token-file)
"""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import Any

import click

from shared.cli_errors import fail

__all__ = ["cli"]


def _tokens(token_file: Path | None) -> Any:
    from anaf_core import AnafRuntime, FileTokenStore, TokenManager, get_anaf_settings

    settings = get_anaf_settings()
    runtime = AnafRuntime.create(settings)
    if token_file is None:
        return runtime.tokens
    return TokenManager(settings, FileTokenStore(token_file), lock_client=None, http=runtime.oauth_http)


token_file_option = click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Keep tokens in this JSON file (mode 0600) instead of the shared Redis store.",
)


@click.group()
def cli() -> None:
    """ANAF: OAuth bootstrap and token status (every ANAF worker shares the stored pair)."""
    import structlog

    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # stdout is for results


@cli.command("authorize-url")
@click.option("--state", default=None, help="Opaque state echoed back on the redirect (default: random).")
def authorize_url(state: str | None) -> None:
    """Print the URL to open in a browser with the qualified certificate (needs SPV rights)."""
    try:
        click.echo(_tokens(None).authorize_url(state or secrets.token_urlsafe(12)))
    except Exception as exc:  # noqa: BLE001 - reported as JSON, exit 1
        fail(exc)
    click.echo(
        "After consent ANAF redirects to ANAF_REDIRECT_URI?code=...; run `exchange-code <code>` within 60 seconds.",
        err=True,
    )


@cli.command("exchange-code")
@click.argument("code")
@token_file_option
def exchange_code(code: str, token_file: Path | None) -> None:
    """Trade the authorization CODE for the first token pair and store it (tokens are never printed)."""
    try:
        manager = _tokens(token_file)
        manager.exchange_code(code)
        click.echo(json.dumps(manager.status(), indent=2))
    except Exception as exc:  # noqa: BLE001
        fail(exc)


@cli.command("token-status")
@token_file_option
def token_status(token_file: Path | None) -> None:
    """Expiry of the stored access and refresh tokens (exit 1 when missing or the refresh token is dead)."""
    try:
        status = _tokens(token_file).status()
    except Exception as exc:  # noqa: BLE001
        fail(exc)
        return
    click.echo(json.dumps(status, indent=2))
    if not status.get("bootstrapped") or status.get("refresh_valid_s", 1) <= 0:
        sys.exit(1)


@cli.command("refresh")
@token_file_option
def refresh(token_file: Path | None) -> None:
    """Refresh now (rotation stored atomically; single flight across replicas)."""
    try:
        manager = _tokens(token_file)
        manager.refresh(force=True)
        click.echo(json.dumps(manager.status(), indent=2))
    except Exception as exc:  # noqa: BLE001
        fail(exc)
