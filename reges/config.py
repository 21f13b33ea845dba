"""Settings of the ``reges`` worker (env prefix ``REGES_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.config import OutboxDatabaseSettings, outbox_database_field

__all__ = ["RegesSettings", "get_settings"]


class RegesSettings(OutboxDatabaseSettings):
    """API base (``https://api.inspectiamuncii.ro``; test ``https://api.dev.inspectiamuncii.org``) and Keycloak.

    Credentials are per employer register (CUI): ``REGES_USERNAME``/``REGES_PASSWORD`` are the API keys
    generated in the employer app; ``REGES_CLIENT_SECRET`` is the OIDC client's secret.
    """

    model_config = SettingsConfigDict(env_prefix="REGES_", env_file=".env", extra="ignore")

    base_url: str = "https://api.dev.inspectiamuncii.org"
    sso_url: str = "https://sso.dev.inspectiamuncii.org"
    realm: str = "API"
    client_id: str = "reges-api"
    client_secret: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    employer_cui: str | None = Field(default=None, description="the CUI whose register the credentials open")
    consumer_id: str = Field(default="workers-core", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    client_application: str = "workers-core"
    user: str = "workers-core"
    author_id: str | None = None
    xsd_path: Path | None = Field(
        default=None, description="relocated reges.xsd (must hold the manifest's bytes); default: schemas dir"
    )
    token_margin_s: float = 30.0
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    database_url: SecretStr | None = outbox_database_field("REGES_DATABASE_URL")


@lru_cache(maxsize=1)
def get_settings() -> RegesSettings:
    return RegesSettings()
