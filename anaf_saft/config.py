"""Settings of the ``anaf.saft`` worker (env prefix ``ANAF_SAFT_``; ``ANAF_DUK_DIR`` as ANAF.md names it)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings

__all__ = ["SaftSettings", "get_settings"]


class SaftSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANAF_SAFT_", env_file=".env", extra="ignore")

    source_database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL of the accounting database for source kind 'sql'"
    )
    xsd_path: Path | None = Field(
        default=None, description="relocated Ro_SAFT_Schema XSD (must hold the manifest's bytes); default: schemas dir"
    )
    max_lines_per_segment: int = Field(
        default=500_000, ge=1, description="split into segments above this many GL lines"
    )
    duk_dir: Path | None = Field(default=None, validation_alias="ANAF_DUK_DIR", description="DUKIntegrator directory")
    duk_java: str = Field(default="java", validation_alias="ANAF_DUK_JAVA")
    duk_max_memory: str = Field(default="4g", validation_alias="ANAF_DUK_MAX_MEMORY")
    duk_timeout: float = Field(default=900.0, validation_alias="ANAF_DUK_TIMEOUT")
    software_company_name: str = Field(default="workers-core", max_length=70)
    software_id: str = Field(default="workers-core anaf.saft", max_length=256)
    software_version: str = Field(default="0.1.0", max_length=18)


@lru_cache(maxsize=1)
def get_settings() -> SaftSettings:
    return SaftSettings()
