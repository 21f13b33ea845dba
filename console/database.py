"""The console's PostgreSQL engine and its Alembic migrations (own version table, advisory lock)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import Engine, make_url

from console.config import normalize_database_url
from console.errors import ConsoleConfigError
from console.schema import VERSION_TABLE

__all__ = ["console_engine", "current_revision", "head_revision", "migrate", "require_head"]

_LOCK_KEY = 0x77_63_63_6F_6E  # advisory lock of the console migrations ("wccon")


def console_engine(url: str) -> Engine:
    """A pooled psycopg 3 engine; only PostgreSQL (COPY, JSONB and the audit trigger need it)."""
    parsed = make_url(normalize_database_url(url))
    if parsed.get_backend_name() != "postgresql":
        raise ConsoleConfigError(f"console: PostgreSQL required, got {parsed.get_backend_name()!r}")
    return create_engine(
        parsed,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={"connect_timeout": 10, "application_name": "workers-core-console"},
    )


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _current(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _current(connection)


def migrate(engine: Engine) -> str | None:
    """Upgrade to head once, serialised across replicas; returns the revision reached."""
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        if _current(connection) != head_revision():
            command.upgrade(_config(connection), "head")
        return _current(connection)


def require_head(engine: Engine) -> None:
    found = current_revision(engine)
    if found != head_revision():
        raise ConsoleConfigError(
            f"console: database schema at {found or 'nothing'}, code expects {head_revision()}; "
            "run `workers-core console migrate`"
        )
