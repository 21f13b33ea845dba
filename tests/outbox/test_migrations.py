"""The outbox schema: Alembic migrations on real PostgreSQL, run once whatever the number of migrators."""

from __future__ import annotations

import threading

from click.testing import CliRunner
from sqlalchemy import inspect, text

from shared.outbox import migrate, outbox_engine, status
from shared.outbox.cli import cli
from shared.outbox.schema import VERSION_TABLE


def test_migrate_twice_is_a_noop(empty_database_url: str) -> None:
    engine = outbox_engine(empty_database_url, environment="production")
    try:
        first = migrate(engine)
        assert first.up_to_date and first.current == first.head
        with engine.connect() as conn:
            conn.execute(
                text(
                    "INSERT INTO workers_core_outbox (namespace, key, state, data, created_at, updated_at) "
                    "VALUES ('t', 'kept', 'new', '{}', now(), now())"
                )
            )
            conn.commit()
        second = migrate(engine)
        assert second == first
        tables = set(inspect(engine).get_table_names())
        assert {"workers_core_outbox", VERSION_TABLE} <= tables
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar_one() == 1
            assert conn.execute(text("SELECT count(*) FROM workers_core_outbox WHERE key = 'kept'")).scalar_one() == 1
    finally:
        engine.dispose()


def test_concurrent_migrators_all_end_at_head(empty_database_url: str) -> None:
    engines = [outbox_engine(empty_database_url, environment="production") for _ in range(4)]
    results: list[object] = []
    barrier = threading.Barrier(len(engines))

    def run(engine_index: int) -> None:
        barrier.wait()
        try:
            results.append(migrate(engines[engine_index]).up_to_date)
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for engine in engines:
        engine.dispose()
    assert results == [True] * len(engines)


def test_cli_migrate_and_status(empty_database_url: str) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": empty_database_url, "WORKERS_CORE_ENV": "production"}
    migrated = runner.invoke(cli, ["migrate"], env=env)
    assert migrated.exit_code == 0, migrated.output
    assert "outbox schema at 0002_efactura_rows" in migrated.output
    shown = runner.invoke(cli, ["status"], env=env)
    assert shown.exit_code == 0 and "up to date" in shown.output


def test_status_of_an_unmigrated_database_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = outbox_engine(f"sqlite:///{tmp_path / 'o.db'}", environment="test")
    try:
        found = status(engine)
        assert found.current is None and not found.up_to_date
    finally:
        engine.dispose()
    result = CliRunner().invoke(
        cli, ["status"], env={"DATABASE_URL": f"sqlite:///{tmp_path / 'o.db'}", "WORKERS_CORE_ENV": "test"}
    )
    assert result.exit_code == 1 and "run `workers-core outbox migrate`" in result.output


def test_the_cli_group_is_declared_as_an_entry_point() -> None:
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["workers_core.cli"]["outbox"] == "shared.outbox.cli:cli"
