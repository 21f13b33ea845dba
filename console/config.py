"""Console settings (env prefix ``CONSOLE_``; ``DATABASE_URL``, ``REDIS_URL``, ``RMQ_URL`` shared names)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings

__all__ = ["ConsoleSettings", "get_settings", "normalize_database_url"]

_MIN_SECRET_BYTES = 32


def normalize_database_url(url: str) -> str:
    """``postgres://`` / ``postgresql://`` mean psycopg 3 (the driver we ship)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class ConsoleSettings(BaseServiceSettings):
    """Everything the console server and its event consumer read."""

    model_config = SettingsConfigDict(env_prefix="CONSOLE_", env_file=".env", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8096, ge=1, le=65535)
    database_url: str = Field(
        default="postgresql+psycopg://postgres@127.0.0.1:5432/workers_core_console",
        validation_alias=AliasChoices("CONSOLE_DATABASE_URL", "DATABASE_URL"),
    )
    redis_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:6379/0"), validation_alias=AliasChoices("CONSOLE_REDIS_URL", "REDIS_URL")
    )
    rmq_url: SecretStr = Field(
        default=SecretStr("amqp://guest:guest@127.0.0.1:5672//"),
        validation_alias=AliasChoices("CONSOLE_RMQ_URL", "RMQ_URL"),
    )
    registry_url: str = Field(default="http://127.0.0.1:8090", description="The worker registry's base URL.")
    registry_token: SecretStr | None = Field(default=None, description="A workers:read token for the registry.")
    registry_timeout: float = Field(default=5.0, gt=0)
    registry_cache_seconds: float = Field(default=1.0, ge=0, le=10, description="Workers list reuse (0 = off).")

    # auth: HS256 tokens signed with jwt_secret and/or an OIDC issuer's JWKS
    jwt_secret: SecretStr | None = Field(default=None, description="HS256 secret (>= 32 bytes outside development).")
    jwt_issuer: str = "workers-core"
    jwt_audience: str = "workers-console"
    oidc_issuer: str | None = Field(default=None, description="Issuer whose JWKS-signed tokens are accepted.")
    oidc_jwks_url: str | None = Field(default=None, description="JWKS URL of the OIDC issuer (RS256/ES256 keys).")
    oidc_audience: str | None = Field(default=None, description="Audience of OIDC tokens (default: jwt_audience).")
    roles_claim: str = Field(default="roles", description="Claim listing the roles (list or space separated).")
    jwt_leeway: float = Field(default=5.0, ge=0, le=300)
    cookie_secure: bool = Field(default=True, description="Session cookie only over HTTPS (off for local http).")

    # task history
    retention_days: float = Field(default=14.0, gt=0, description="Task events older than this are pruned.")
    ingest_batch: int = Field(default=500, ge=1, le=20000)
    ingest_flush_seconds: float = Field(default=0.5, gt=0)
    prune_interval: float = Field(default=600.0, gt=0)

    # scaling: through the Kubernetes API in a cluster, else shown as a command
    kube_namespace: str = "workers-core"
    #: worker Deployments are named after their Helm release: the tag with dashes (pdf.render -> pdf-render)
    kube_deployment_prefix: str = ""
    kube_api_url: str | None = Field(
        default=None, description="Kubernetes API (default in a pod: https://$KUBERNETES_SERVICE_HOST:$..._PORT)."
    )
    kube_token_file: Path = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")
    kube_ca_file: Path = Path("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt")

    def kube_api(self) -> str | None:
        """The API server to scale through, or None (then the console shows the ``kubectl`` command)."""
        if self.kube_api_url:
            return self.kube_api_url.rstrip("/")
        host = os.environ.get("KUBERNETES_SERVICE_HOST")
        port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        return f"https://{host}:{port}" if host else None

    @field_validator(
        "jwt_secret", "registry_token", "oidc_issuer", "oidc_jwks_url", "oidc_audience", "kube_api_url", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _normalize(cls, value: str) -> str:
        return normalize_database_url(value)

    @model_validator(mode="after")
    def _keys(self) -> ConsoleSettings:
        if self.jwt_secret is None and self.oidc_jwks_url is None:
            raise ValueError("no token verification key: set CONSOLE_JWT_SECRET and/or CONSOLE_OIDC_JWKS_URL")
        if self.oidc_jwks_url is not None and self.oidc_issuer is None:
            raise ValueError("CONSOLE_OIDC_JWKS_URL needs CONSOLE_OIDC_ISSUER (the tokens' iss)")
        if self.workers_core_env != "development" and self.jwt_secret is not None:
            if len(self.jwt_secret.get_secret_value().encode()) < _MIN_SECRET_BYTES:
                raise ValueError(
                    f"CONSOLE_JWT_SECRET shorter than {_MIN_SECRET_BYTES} bytes "
                    "(refused outside WORKERS_CORE_ENV=development)"
                )
        return self


@lru_cache(maxsize=1)
def get_settings() -> ConsoleSettings:
    return ConsoleSettings()
