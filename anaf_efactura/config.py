"""``EfacturaSettings`` (``ANAF_EFACTURA_*``): schemas, outbox database, lease, polling, reconciliation.

The ANAF client's own settings (hosts, OAuth, Redis, caps) are ``anaf_core.AnafSettings`` (``ANAF_*``).
Releases before the one-prefix scheme read ``EFACTURA_*``: those names are still honoured, below the new ones.
The outbox database is ``ANAF_EFACTURA_DATABASE_URL`` or, shared by the filing workers, ``DATABASE_URL``;
outside development it must be PostgreSQL (``shared.outbox`` refuses anything else at start-up).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.outbox import check_database
from shared.settings_aliases import RenamedPrefixSettings

__all__ = ["LEGACY_ENV_PREFIX", "EfacturaSettings", "get_settings", "worker_settings"]

#: The prefix older deployments used; read after ``ANAF_EFACTURA_`` (same field names).
LEGACY_ENV_PREFIX = "EFACTURA_"


class EfacturaSettings(RenamedPrefixSettings):
    model_config = SettingsConfigDict(
        env_prefix="ANAF_EFACTURA_", env_file=".env", extra="ignore", populate_by_name=True
    )
    old_env_prefixes = (LEGACY_ENV_PREFIX,)

    # Validation files come from the schemas directory (shared.schemas, WORKERS_CORE_SCHEMAS_DIR); these only
    # relocate them, and the files found there must still hold the manifest's bytes.
    ubl_dir: Path | None = None
    cius_ro_xslt: Path | None = None
    database_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ANAF_EFACTURA_DATABASE_URL", "EFACTURA_DATABASE_URL", "DATABASE_URL"),
    )
    #: a delivery's hold on one invoice; longer than an upload can take (read timeout), shorter than patience
    lease_s: float = Field(default=300.0, gt=0)
    poll_schedule_s: list[float] = Field(default=[30, 60, 120, 300, 600, 1800, 3600], min_length=1)
    max_polls: int = Field(default=60, ge=1, le=90)  # hard cap below ANAF's 100 stareMesaj calls/message/day
    reconcile_after_s: float = Field(default=1800.0, ge=0)  # after this long an unknown upload is re-sent
    reconcile_retry_s: float = Field(default=60.0, gt=0)
    list_clock_margin_s: float = Field(default=60.0, ge=0)
    require_trusted_signature: bool = False

    @property
    def database(self) -> str | None:
        return self.database_url.get_secret_value() if self.database_url is not None else None


def worker_settings() -> EfacturaSettings:
    """The worker's settings; outside development a missing or SQLite outbox database refuses the start."""
    settings = EfacturaSettings()
    check_database(settings.database, environment=settings.workers_core_env)
    return settings


def get_settings() -> EfacturaSettings:
    """The settings from the environment, read now (operator commands; the worker's come through its SPEC)."""
    return EfacturaSettings()
