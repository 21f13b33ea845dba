"""``EfacturaSettings`` (prefix ``EFACTURA_``): schemas, PostgreSQL outbox, polling schedule, reconciliation."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings

__all__ = ["EfacturaSettings", "get_settings"]


class EfacturaSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EFACTURA_", env_file=".env", extra="ignore")

    # Validation files come from the schemas directory (shared.schemas, WORKERS_CORE_SCHEMAS_DIR); these only
    # relocate them, and the files found there must still hold the manifest's bytes.
    ubl_dir: Path | None = None
    cius_ro_xslt: Path | None = None
    database_url: SecretStr = Field(
        default=SecretStr("postgresql://postgres@127.0.0.1:5432/workers_core"), validation_alias="DATABASE_URL"
    )
    poll_schedule_s: list[float] = Field(default=[30, 60, 120, 300, 600, 1800, 3600], min_length=1)
    max_polls: int = Field(default=60, ge=1, le=90)  # hard cap below ANAF's 100 stareMesaj calls/message/day
    reconcile_after_s: float = Field(default=1800.0, ge=0)  # after this long an unknown upload is re-sent
    reconcile_retry_s: float = Field(default=60.0, gt=0)
    list_clock_margin_s: float = Field(default=60.0, ge=0)
    require_trusted_signature: bool = False

    @property
    def dsn(self) -> str:
        """libpq DSN (a SQLAlchemy-style ``postgresql+psycopg://`` URL is accepted too)."""
        return self.database_url.get_secret_value().replace("postgresql+psycopg://", "postgresql://", 1)


@lru_cache(maxsize=1)
def get_settings() -> EfacturaSettings:
    return EfacturaSettings()
