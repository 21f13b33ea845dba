"""Alembic migrations of the outbox, run from code (``workers-core outbox migrate``, test fixtures, dev start).

``migrate`` takes a PostgreSQL advisory lock for the whole upgrade, so replicas or release hooks that start
together run the migrations once and the others find the schema at head (migrating twice is a no-op).
``status`` says which revision the database is at and which one the code expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine

from shared.outbox.database import translate
from shared.outbox.errors import OutboxConfigError
from shared.outbox.schema import VERSION_TABLE

__all__ = ["MigrationStatus", "head_revision", "migrate", "require_head", "status"]

_LOCK_KEY = 0x77_63_6F_75_74  # advisory lock of the outbox migrations ("wcout")


@dataclass(frozen=True)
class MigrationStatus:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _head() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def head_revision() -> str:
    """The revision this code's workers require (``workers-core outbox migrate`` brings a database there)."""
    return _head()


def _current(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def migrate(engine: Engine, *, to: str = "head") -> MigrationStatus:
    """Upgrade the outbox schema to ``to`` (serialised across processes); returns the resulting status."""
    with translate(), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        if _current(connection) != (_head() if to == "head" else to):
            command.upgrade(_config(connection), to)
        return MigrationStatus(_current(connection), _head())


def status(engine: Engine) -> MigrationStatus:
    with translate(), engine.connect() as connection:
        return MigrationStatus(_current(connection), _head())


def require_head(engine: Engine) -> None:
    """``OutboxConfigError`` unless the database is at the code's revision (a worker's start-up check)."""
    found = status(engine)
    if not found.up_to_date:
        raise OutboxConfigError(
            f"outbox: database schema at {found.current or 'nothing'}, code expects {found.head}; "
            "run `workers-core outbox migrate`"
        )
