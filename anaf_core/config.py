"""``AnafSettings``: hosts, OAuth credentials (env or secret files), limits and caps (``ANAF_*``)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings

__all__ = ["AnafSettings", "get_anaf_settings"]

DAY = 86400.0


class AnafSettings(BaseServiceSettings):
    """Everything the ANAF clients share.

    Secrets (``client_secret``, ``refresh_token``, ``access_token``) come from the environment
    (``ANAF_CLIENT_SECRET``...) or from files in ``ANAF_SECRETS_DIR`` named like the variable in lower
    case (``anaf_client_secret``...), the way ExternalSecrets mounts them. Rotated tokens are persisted
    in Redis by the token manager; the seeds here are only read when the store holds nothing newer.
    """

    model_config = SettingsConfigDict(env_prefix="ANAF_", env_file=".env", extra="ignore")

    environment: Literal["test", "prod"] = "test"
    registry_url: str = "https://webservicesp.anaf.ro/api/PlatitorTvaRest/v9/tva"
    api_base_url: str = "https://api.anaf.ro"
    public_base_url: str = "https://webservicesp.anaf.ro"
    oauth_base_url: str = "https://logincert.anaf.ro/anaf-oauth2/v1"

    client_id: str | None = None
    client_secret: SecretStr | None = None
    redirect_uri: str | None = None
    refresh_token: SecretStr | None = None
    access_token: SecretStr | None = None
    client_auth: Literal["basic", "body"] = "basic"
    token_refresh_margin_s: float = 10 * DAY
    refresh_token_warn_s: float = 30 * DAY
    token_lock_timeout_s: float = 60.0

    redis_url: SecretStr = Field(default=SecretStr("redis://127.0.0.1:6379/0"), validation_alias="REDIS_URL")
    redis_max_connections: int = Field(default=1024, ge=8)  # waiters block on BLPOP: >= pool concurrency
    redis_namespace: str = Field(default="anaf", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    signing_certs: Path | None = None
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0
    user_agent: str = "workers-core-anaf/0.1"

    registry_interval_s: float = 1.0
    registry_batch_size: int = Field(default=100, ge=1, le=100)
    api_calls_per_minute: int = Field(default=1000, ge=1)
    api_burst: int = Field(default=20, ge=1)
    limiter_max_wait_s: float = 30.0

    stare_daily_cap: int = Field(default=90, ge=1, le=100)
    download_daily_cap: int = Field(default=8, ge=1, le=10)
    list_daily_cap: int = Field(default=1400, ge=1, le=1500)
    paged_list_daily_cap: int = Field(default=99_000, ge=1, le=100_000)

    @property
    def efactura_base_url(self) -> str:
        return f"{self.api_base_url.rstrip('/')}/{self.environment}/FCTEL/rest"

    @property
    def etransport_base_url(self) -> str:
        return f"{self.api_base_url.rstrip('/')}/{self.environment}/ETRANSPORT/ws/v1"

    @property
    def public_efactura_base_url(self) -> str:
        return f"{self.public_base_url.rstrip('/')}/prod/FCTEL/rest"

    @property
    def oauth_client_key(self) -> str:
        """Names this OAuth app in Redis keys (token record, refresh lock)."""
        return self.client_id or "default"


def _secrets_dir() -> Path | None:
    raw = os.environ.get("ANAF_SECRETS_DIR") or os.environ.get("SECRETS_DIR")
    if raw and Path(raw).is_dir():
        return Path(raw)
    return None


def load_anaf_settings(**overrides: Any) -> AnafSettings:
    """Settings from the environment and the mounted secret files (``ANAF_SECRETS_DIR``)."""
    secrets = _secrets_dir()
    if secrets is not None:
        return AnafSettings(_secrets_dir=secrets, **overrides)
    return AnafSettings(**overrides)


@lru_cache(maxsize=1)
def get_anaf_settings() -> AnafSettings:
    """The process-wide ANAF settings (tests build ``AnafSettings`` directly)."""
    return load_anaf_settings()
