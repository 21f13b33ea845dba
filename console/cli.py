"""``workers-core console``: serve the pages, ingest task events, migrate, prune, mint a token."""

from __future__ import annotations

import signal
from datetime import timedelta
from typing import Any

import click

__all__ = ["cli"]


def _settings() -> Any:
    from console.config import get_settings
    from shared.startup import settings_guard

    with settings_guard("console"):
        return get_settings()


@click.group()
def cli() -> None:
    """Operations console (CONSOLE_* settings; DATABASE_URL, REDIS_URL, RMQ_URL shared names)."""


@cli.command()
@click.option("--host", default=None, help="Listen address (default: CONSOLE_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Listen port (default: CONSOLE_PORT, 8096).")
@click.option("--migrate/--no-migrate", default=False, help="Upgrade the database schema first.")
def serve(host: str | None, port: int | None, migrate: bool) -> None:
    """Run the console web server (uvicorn, one process)."""
    import uvicorn

    from console.app import create_app
    from console.database import console_engine
    from console.database import migrate as run_migrate
    from shared.logging import configure_logging

    settings = _settings()
    configure_logging("INFO", "json")
    if migrate:
        engine = console_engine(settings.database_url)
        run_migrate(engine)
        engine.dispose()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        ws="auto",
    )


@cli.command()
def ingest() -> None:
    """Consume Celery task events into the task history until SIGTERM/SIGINT."""
    from console.database import console_engine, require_head
    from console.services import build_ingester
    from shared.logging import configure_logging

    settings = _settings()
    configure_logging("INFO", "json")
    engine = console_engine(settings.database_url)
    require_head(engine)
    ingester = build_ingester(settings, engine)
    stopping = {"now": False}

    def stop(*_: Any) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ingester.consume(settings.rmq_url.get_secret_value(), should_stop=lambda: stopping["now"])
    click.echo(f"console ingest: {ingester.written} events written")


@cli.command()
def migrate() -> None:
    """Upgrade the console's tables to the code's revision (idempotent, safe from several replicas)."""
    from console.database import console_engine
    from console.database import migrate as run_migrate

    engine = console_engine(_settings().database_url)
    click.echo(f"console schema at {run_migrate(engine)}")


@cli.command()
@click.option("--days", type=float, default=None, help="Keep this many days (default: CONSOLE_RETENTION_DAYS).")
def prune(days: float | None) -> None:
    """Delete task history older than the retention."""
    from console.database import console_engine
    from console.history import HistoryStore

    settings = _settings()
    events, tasks = HistoryStore(console_engine(settings.database_url)).prune(
        timedelta(days=days if days is not None else settings.retention_days)
    )
    click.echo(f"pruned {events} events, {tasks} tasks")


@cli.command()
@click.option("--subject", required=True, help="Who the token names (audit rows show it).")
@click.option("--role", type=click.Choice(["viewer", "operator", "admin"]), required=True)
@click.option("--ttl", type=float, default=8 * 3600.0, show_default=True, help="Seconds the token is valid.")
def token(subject: str, role: str, ttl: float) -> None:
    """Mint an HS256 console token (for setups without an OIDC issuer)."""
    from console.auth import mint_token

    click.echo(mint_token(_settings(), subject=subject, role=role, ttl=ttl))
