"""The outbox's database: the engine (PostgreSQL through psycopg 3; SQLite only in development and tests).

``outbox_engine(url, environment)`` refuses, in one line, what must not run outside development: no database
URL at all, or a SQLite file (one per pod, lost with it). ``translate`` turns the driver's failures into the
outbox's tree: connection trouble is ``OutboxUnavailable``, contention the database aborted is ``OutboxBusy``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.outbox.errors import OutboxBusy, OutboxConfigError, OutboxUnavailable

__all__ = ["DEVELOPMENT_ENVIRONMENTS", "check_database", "normalize_url", "outbox_engine", "translate"]

#: where SQLite and a missing database are tolerated (``WORKERS_CORE_ENV``)
DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "dev", "test"})
#: SQLSTATEs of contention: deadlock, lock not available, statement/lock timeout, serialization failure
_CONTENTION = frozenset({"40P01", "55P03", "57014", "40001"})


def normalize_url(url: str) -> str:
    """``postgresql://`` / ``postgres://`` URLs use psycopg 3 (the driver the project ships)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_database(url: str | None, *, environment: str | None = None) -> URL:
    """The parsed URL, or ``OutboxConfigError`` (one line) for what the environment forbids (no I/O)."""
    env = (environment or os.environ.get("WORKERS_CORE_ENV") or "production").lower()
    if not url or not url.strip():
        raise OutboxConfigError(
            f"outbox: no database URL (WORKERS_CORE_ENV={env}); set DATABASE_URL to a PostgreSQL database"
        )
    try:
        parsed = make_url(normalize_url(url.strip()))
    except ArgumentError as exc:
        raise OutboxConfigError(f"outbox: unreadable database URL ({exc})") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite" and env not in DEVELOPMENT_ENVIRONMENTS:
        raise OutboxConfigError(
            f"outbox: SQLite is refused outside development (WORKERS_CORE_ENV={env}); "
            "set DATABASE_URL to a PostgreSQL database"
        )
    if backend not in ("sqlite", "postgresql"):
        raise OutboxConfigError(f"outbox: unsupported database {backend!r}; use PostgreSQL")
    return parsed


def outbox_engine(url: str | None, *, environment: str | None = None) -> Engine:
    """An engine for ``url``; ``OutboxConfigError`` (one line) for what the environment forbids."""
    parsed = check_database(url, environment=environment)
    if parsed.get_backend_name() == "sqlite":
        return create_engine(parsed, connect_args={"timeout": 30})
    return create_engine(
        parsed,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=30,
        connect_args={"connect_timeout": 10, "application_name": "workers-core-outbox"},
    )


@contextmanager
def translate() -> Iterator[None]:
    """Driver failures as the outbox's errors (the original stays the ``__cause__``)."""
    try:
        yield
    except PoolTimeout as exc:
        raise OutboxUnavailable(f"outbox: no database connection free in time: {exc}") from exc
    except DBAPIError as exc:
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate in _CONTENTION:
            raise OutboxBusy(f"outbox: database contention ({sqlstate}): {_first_line(exc)}") from exc
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            raise OutboxUnavailable(f"outbox database unavailable: {_first_line(exc)}") from exc
        raise


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0][:300] if text.strip() else type(exc).__name__
