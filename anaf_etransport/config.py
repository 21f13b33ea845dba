"""Settings of the ``anaf.etransport`` worker (env prefix ``ANAF_ETRANSPORT_``; ANAF hosts/OAuth in ``ANAF_*``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings

__all__ = ["EtransportSettings", "get_settings"]


class EtransportSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANAF_ETRANSPORT_", env_file=".env", extra="ignore")

    database_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ANAF_ETRANSPORT_DATABASE_URL", "DATABASE_URL"),
        description="the shared outbox's database (PostgreSQL; SQLite only in development): required",
    )

    @field_validator("database_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value  # ``VAR=`` means unset

    def outbox_url(self) -> str:
        return self.database_url.get_secret_value() if self.database_url is not None else ""

    # Validation files come from the schemas directory (shared.schemas); these only relocate them, and the files
    # found there must still hold the manifest's bytes.
    xsd_path: Path | None = Field(default=None, description="relocated schema_ETR_v2 XSD (pinned bytes)")
    schematron_path: Path | None = Field(
        default=None, description="relocated ANAF e-Transport Schematron (pinned bytes)"
    )
    inline_poll_delays: tuple[float, ...] = Field(
        default=(0.5, 1.0, 2.0, 4.0), description="stareMesaj polls inside submit"
    )
    poll_delays: tuple[float, ...] = Field(
        default=(10, 30, 60, 120, 300, 600, 1800, 3600),
        description="follow-up etransport.poll countdowns (last repeats)",
    )
    max_polls: int = Field(
        default=60, ge=1, le=95, description="cap well below ANAF's 100 stareMesaj calls/message/day"
    )
    reconcile_window_s: float = Field(
        default=900.0, description="how long an upload with unknown outcome is searched in the list before re-uploading"
    )


@lru_cache(maxsize=1)
def get_settings() -> EtransportSettings:
    return EtransportSettings()
