"""``EfacturaSettings`` (prefix ``EFACTURA_``): schemas, PostgreSQL outbox, polling schedule, reconciliation."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings

__all__ = ["EfacturaSettings", "get_settings"]


def _default_schemas_dir() -> Path:
    """``WORKERS_CORE_KIT_DATA`` or ``<repo>/../shared/data`` (a deployment sets ``EFACTURA_SCHEMAS_DIR``)."""
    raw = os.environ.get("WORKERS_CORE_KIT_DATA")
    return Path(raw) if raw else Path(__file__).resolve().parent.parent.parent / "shared" / "data"


class EfacturaSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EFACTURA_", env_file=".env", extra="ignore")

    schemas_dir: Path = Field(default_factory=_default_schemas_dir)
    ubl_dir: Path | None = None  # default <schemas_dir>/ubl-2.1
    cius_ro_xslt: Path | None = None  # default <schemas_dir>/cius-ro-1.0.9/EN16931-CIUS_RO-UBL-validation.xslt
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
    def ubl_path(self) -> Path:
        return self.ubl_dir or self.schemas_dir / "ubl-2.1"

    @property
    def cius_ro_path(self) -> Path:
        return self.cius_ro_xslt or self.schemas_dir / "cius-ro-1.0.9" / "EN16931-CIUS_RO-UBL-validation.xslt"

    @property
    def dsn(self) -> str:
        """libpq DSN (a SQLAlchemy-style ``postgresql+psycopg://`` URL is accepted too)."""
        return self.database_url.get_secret_value().replace("postgresql+psycopg://", "postgresql://", 1)


@lru_cache(maxsize=1)
def get_settings() -> EfacturaSettings:
    return EfacturaSettings()
