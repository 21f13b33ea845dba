"""Fixtures of the ``anaf.efactura`` tests: official schemas (installed), the validator, the fake ANAF."""

from __future__ import annotations

import pytest

from anaf_efactura.validation import InvoiceValidator
from shared.schemas import get_store
from tests.anaf.fixtures import anaf_env, anaf_runtime, anaf_settings, fake_anaf

__all__ = ["anaf_env", "anaf_runtime", "anaf_settings", "fake_anaf", "validator"]


@pytest.fixture(scope="session")
def validator() -> InvoiceValidator:
    return InvoiceValidator.from_store(get_store())


@pytest.fixture
def efactura_factory(anaf_env, fake_anaf, database_url, validator, tmp_path):  # type: ignore[no-untyped-def]
    """Builds ``EfacturaService`` objects over the fake (bootstrapped OAuth), real PostgreSQL and Redis."""
    import httpx

    from anaf_core import AnafRuntime
    from anaf_efactura.config import EfacturaSettings
    from anaf_efactura.outbox import NAMESPACE, EfacturaOutbox
    from anaf_efactura.service import EfacturaService
    from shared.artifacts import FilesystemArtifactStore
    from shared.outbox import open_outbox
    from tests.anaf.fixtures import settings_from

    made: list[tuple[AnafRuntime, EfacturaOutbox]] = []
    code = httpx.post(f"{fake_anaf.url}/_fake/authorize-code", json={}).json()["code"]
    bootstrap = AnafRuntime.create(settings_from(anaf_env))
    bootstrap.tokens.exchange_code(code)
    bootstrap.close()

    def make(anaf: dict | None = None, **efactura: object) -> EfacturaService:
        runtime = AnafRuntime.create(settings_from(anaf_env, **(anaf or {})))
        settings = EfacturaSettings(
            DATABASE_URL=database_url,
            WORKERS_CORE_ENV="test",
            **{"poll_schedule_s": [0.2], "reconcile_retry_s": 1.0, **efactura},
        )
        outbox = EfacturaOutbox(open_outbox(settings.database, NAMESPACE, environment="test"), lease_s=settings.lease_s)
        made.append((runtime, outbox))
        return EfacturaService(settings, runtime, outbox, lambda: validator, FilesystemArtifactStore(tmp_path / "art"))

    yield make
    for runtime, outbox in made:
        runtime.close()
        outbox.close()


@pytest.fixture
def efactura_env(anaf_env: dict[str, str], fake_anaf) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Worker environment: the fake ANAF, a token pair it issued (the bootstrap's outcome)."""
    with fake_anaf.state.lock:
        tokens = fake_anaf.state.issue_tokens("fake-client-id")
    return {
        **anaf_env,
        "ANAF_ACCESS_TOKEN": tokens["access_token"],
        "ANAF_REFRESH_TOKEN": tokens["refresh_token"],
        "ANAF_EFACTURA_POLL_SCHEDULE_S": "[0.5, 1]",
        "EFACTURA_RECONCILE_RETRY_S": "1",  # the name of older releases, still honoured
    }
