"""``workers-core outbox migrate|status``: the outbox schema of one database (``DATABASE_URL``)."""

from __future__ import annotations

import click

from shared.outbox.database import outbox_engine
from shared.outbox.errors import OutboxConfigError, OutboxError
from shared.outbox.migration import migrate as run_migrations
from shared.outbox.migration import status as read_status

__all__ = ["cli"]

_url = click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    show_envvar=True,
    help="SQLAlchemy or libpq URL of the outbox database.",
)
_env = click.option(
    "--env",
    "environment",
    envvar="WORKERS_CORE_ENV",
    default="production",
    show_envvar=True,
    help="Deployment environment; SQLite is refused outside development/test.",
)


@click.group()
def cli() -> None:
    """The durable outbox shared by the filing workers (e-Factura, e-Transport, REGES)."""


@cli.command()
@_url
@_env
def migrate(database_url: str | None, environment: str) -> None:
    """Upgrade the outbox schema to the code's revision (safe to run twice or from two places at once)."""
    try:
        engine = outbox_engine(database_url, environment=environment)
        try:
            found = run_migrations(engine)
        finally:
            engine.dispose()
    except (OutboxConfigError, OutboxError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"outbox schema at {found.current} (head {found.head})")


@cli.command()
@_url
@_env
def status(database_url: str | None, environment: str) -> None:
    """Print the schema revision of the database and of the code; exit 1 when they differ."""
    try:
        engine = outbox_engine(database_url, environment=environment)
        try:
            found = read_status(engine)
        finally:
            engine.dispose()
    except (OutboxConfigError, OutboxError) as exc:
        raise click.ClickException(str(exc)) from None
    state = "up to date" if found.up_to_date else "behind: run `workers-core outbox migrate`"
    click.echo(f"outbox schema at {found.current or 'nothing'}, code at {found.head}: {state}")
    if not found.up_to_date:
        raise SystemExit(1)
