"""Alembic migrations: apply on PostgreSQL and SQLite, round-trip, and match the SQLAlchemy models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect

from registry.cli import cli
from registry.db import Database, alembic_config
from registry.models import Base


def drift(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))


def test_postgres_schema_matches_models(registry_pg_url: str) -> None:
    db = Database(registry_pg_url)
    try:
        assert drift(db) == []
        columns = {c["name"]: c for c in inspect(db.engine).get_columns("worker_status")}
        assert str(columns["metrics"]["type"]) == "JSONB"
        assert columns["last_seen"]["type"].timezone is True
    finally:
        db.dispose()


def test_sqlite_embedded_default_round_trip(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'registry.sqlite3'}"
    db = Database(url)
    try:
        db.migrate()
        assert inspect(db.engine).has_table("worker_status")
        assert drift(db) == []
        config = alembic_config(url)
        command.downgrade(config, "base")
        assert not inspect(db.engine).has_table("worker_status")
        command.upgrade(config, "head")
        assert inspect(db.engine).has_table("worker_status")
    finally:
        db.dispose()


def test_migrate_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    result = CliRunner().invoke(cli, ["migrate", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "at head (sqlite)" in result.output
    db = Database(url)
    assert inspect(db.engine).has_table("worker_status")
    db.dispose()


def test_utc_column_refuses_naive_datetimes(tmp_path: Path) -> None:
    from datetime import datetime

    from registry.models import UTCDateTime

    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), None)  # type: ignore[arg-type]
