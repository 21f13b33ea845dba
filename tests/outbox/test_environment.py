"""Outside development the outbox refuses SQLite and a missing database, in one line; failures are typed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from shared.outbox import OutboxConfigError, OutboxUnavailable, migrate, open_outbox, outbox_engine
from shared.outbox.cli import cli


@pytest.mark.parametrize("env", ["production", "staging"])
def test_sqlite_is_refused_outside_development(env: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OutboxConfigError) as info:
        outbox_engine(f"sqlite:///{tmp_path / 'o.db'}", environment=env)
    message = str(info.value)
    assert "SQLite is refused" in message and env in message and "\n" not in message
    assert not (tmp_path / "o.db").exists()


@pytest.mark.parametrize("url", [None, "", "  "])
def test_a_missing_database_is_refused_outside_development(url: str | None) -> None:
    with pytest.raises(OutboxConfigError, match="no database URL"):
        outbox_engine(url, environment="production")


def test_the_cli_refuses_sqlite_in_production_with_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        cli, ["migrate"], env={"DATABASE_URL": f"sqlite:///{tmp_path / 'o.db'}", "WORKERS_CORE_ENV": "production"}
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: outbox: SQLite is refused"), result.output


def test_sqlite_serves_development(tmp_path) -> None:  # type: ignore[no-untyped-def]
    box = open_outbox(f"sqlite:///{tmp_path / 'o.db'}", "dev", environment="test")
    try:
        row, created = box.open("k", data={"a": 1})
        assert created and row.data == {"a": 1}
        claimed = box.claim("k", "me", lease_s=60, to_state="sending")
        assert claimed is not None and claimed.state == "sending" and claimed.lease_owner == "me"
        done = box.complete("k", "sent", owner="me", ref="42", data={"b": 2})
        assert done is not None and done.ref == "42" and done.data == {"a": 1, "b": 2} and done.lease_owner is None
    finally:
        box.engine.dispose()


def test_production_start_refuses_an_unmigrated_database(empty_database_url: str) -> None:
    with pytest.raises(OutboxConfigError) as info:
        open_outbox(empty_database_url, "x", environment="production")
    assert "run `workers-core outbox migrate`" in str(info.value) and "\n" not in str(info.value)


def test_an_unreachable_database_is_outbox_unavailable() -> None:
    engine = outbox_engine("postgresql://postgres@127.0.0.1:9/none", environment="production")
    try:
        with pytest.raises(OutboxUnavailable) as info:
            migrate(engine)
        assert info.value.code == "outbox_unavailable" and info.value.retryable
    finally:
        engine.dispose()
