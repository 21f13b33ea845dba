"""``ANAF_EFACTURA_*`` settings with the ``EFACTURA_*`` names of older releases honoured, and the worker's refusal
to start without a proper outbox database outside development (one line, non-zero exit)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from anaf_efactura.config import EfacturaSettings, worker_settings
from shared.outbox import OutboxConfigError
from tests.schemadata import REPO


def test_new_prefix_wins_over_the_old_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANAF_EFACTURA_MAX_POLLS", "5")
    monkeypatch.setenv("EFACTURA_MAX_POLLS", "7")
    monkeypatch.setenv("EFACTURA_REQUIRE_TRUSTED_SIGNATURE", "true")
    monkeypatch.setenv("EFACTURA_DATABASE_URL", "postgresql://old/db")
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    settings = EfacturaSettings(WORKERS_CORE_ENV="test")
    assert settings.max_polls == 5 and settings.require_trusted_signature is True
    assert settings.database == "postgresql://old/db"
    monkeypatch.setenv("ANAF_EFACTURA_DATABASE_URL", "postgresql://new/db")
    assert EfacturaSettings(WORKERS_CORE_ENV="test").database == "postgresql://new/db"
    monkeypatch.delenv("ANAF_EFACTURA_DATABASE_URL")
    monkeypatch.delenv("EFACTURA_DATABASE_URL")
    assert EfacturaSettings(WORKERS_CORE_ENV="test").database == "postgresql://shared/db"


@pytest.mark.parametrize("url", ["", "sqlite:////tmp/efactura.db"])
def test_worker_settings_refuse_a_missing_or_sqlite_database_in_production(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    for name in ("ANAF_EFACTURA_DATABASE_URL", "EFACTURA_DATABASE_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORKERS_CORE_ENV", "production")
    if url:
        monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(OutboxConfigError):
        worker_settings()
    monkeypatch.setenv("WORKERS_CORE_ENV", "development")
    if url:
        assert worker_settings().database == url


def test_the_worker_refuses_to_start_on_sqlite_in_production(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    env.update(
        WORKERS_CORE_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'o.db'}", REGISTRY_URL="", HEALTH_PORT="0"
    )
    run = subprocess.run(
        [sys.executable, "-m", "shared.cli", "worker", "anaf.efactura"],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert run.returncode != 0
    last = run.stderr.decode().strip().splitlines()[-1]
    assert "outbox: SQLite is refused outside development (WORKERS_CORE_ENV=production)" in last
    assert not (tmp_path / "o.db").exists()
