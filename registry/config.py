"""Registry settings (env prefix ``REGISTRY_``; ``DATABASE_URL``, ``REDIS_URL``, ``RMQ_URL`` shared names)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from celeryconfig import QUEUES
from registry.keystrength import weak_key_problem
from shared.config import BaseServiceSettings
from shared.http_limits import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES

__all__ = [
    "DEFAULT_DATABASE_URL",
    "RegistrySettings",
    "database_url_from_env",
    "get_settings",
    "normalize_database_url",
]

DEFAULT_DATABASE_URL = "sqlite:///registry.sqlite3"

_ASYMMETRIC = ("RS", "PS", "ES", "Ed")


def normalize_database_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` mean psycopg 3 (the driver we ship), not psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_url_from_env() -> str:
    """The database URL alone (for migrations and imports, which need no JWT key)."""
    url = os.environ.get("REGISTRY_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    return normalize_database_url(url)


class RegistrySettings(BaseServiceSettings):
    """Everything the registry service reads; timings are seconds and configurable so tests run fast."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", env_file=".env", extra="ignore", populate_by_name=True)

    # where
    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=1, le=65535)
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("REGISTRY_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL; PostgreSQL in production, SQLite file as the embedded default.",
    )
    redis_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:6379/0"), validation_alias=AliasChoices("REGISTRY_REDIS_URL", "REDIS_URL")
    )
    rmq_url: SecretStr = Field(
        default=SecretStr("amqp://guest:guest@127.0.0.1:5672//"),
        validation_alias=AliasChoices("REGISTRY_RMQ_URL", "RMQ_URL"),
    )
    auto_migrate: bool = True
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("REGISTRY_LOG_LEVEL", "LOG_LEVEL"))
    log_format: str = Field(default="json", validation_alias=AliasChoices("REGISTRY_LOG_FORMAT", "LOG_FORMAT"))

    # auth (pyjwt)
    jwt_issuer: str = "workers-core"
    jwt_audience: str = "workers-registry"
    jwt_algorithms: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["HS256"])
    jwt_secret: SecretStr | None = Field(default=None, description="Shared secret for HS* tokens (32 random bytes).")
    jwt_secret_kid: str | None = Field(default=None, description="`kid` of jwt_secret (minted tokens carry it).")
    jwt_previous_secret: SecretStr | None = Field(
        default=None, description="The secret being rotated out: still accepted until removed."
    )
    jwt_previous_secret_kid: str | None = None
    jwt_public_key: str | None = Field(default=None, description="PEM public key for RS*/PS*/ES*/EdDSA tokens.")
    jwt_public_key_file: Path | None = None
    jwt_jwks_file: Path | None = Field(default=None, description="JWKS document (keys chosen by `kid`).")
    jwt_jwks_url: str | None = Field(default=None, description="JWKS URL (fetched and cached by pyjwt).")
    jwt_leeway: float = Field(default=5.0, ge=0, le=300, description="Clock skew allowed on exp/iat/nbf (s).")

    # request limits (shared.http_limits) and what the health-check job may scrape
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024, description="Larger bodies get 413.")
    max_header_bytes: int = Field(default=DEFAULT_MAX_HEADER_BYTES, ge=1024, description="Larger headers: 431.")
    scrape_allowed_networks: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description="CIDRs the health-check job may scrape whatever the heartbeat's peer address (comma separated).",
    )
    scrape_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names the health-check job may scrape whatever their address.",
    )
    scrape_max_bytes: int = Field(default=1024 * 1024, ge=1024, description="Cap on a scraped /metrics answer.")

    # failure detection (Consul-like: running/idle -> error -> stopped -> removed)
    heartbeat_interval: float = Field(default=30.0, gt=0, description="Interval workers are told to beat at.")
    error_after: float = Field(default=90.0, gt=0, description="No heartbeat for this long -> error.")
    stop_after: float = Field(default=300.0, gt=0, description="In error this long -> stopped (grace period).")
    purge_after: float = Field(default=600.0, gt=0, description="Stopped this long -> removed.")
    sweep_interval: float = Field(default=10.0, gt=0)
    flush_interval: float = Field(default=2.0, gt=0, description="Write-behind period of heartbeats to SQL.")
    heartbeat_fast_path: bool = Field(default=True, description="Serve heartbeats from the ASGI fast path.")
    jobs_enabled: bool = Field(
        default=True,
        description="Run the background jobs in the API process; false when `workers-core registry jobs` runs them.",
    )
    jobs_port: int = Field(default=8091, ge=1, le=65535, description="Metrics port of `workers-core registry jobs`.")

    # WorkerHealthCheckJob
    healthcheck_interval: float = Field(default=60.0, gt=0)
    healthcheck_timeout: float = Field(default=5.0, gt=0)
    healthcheck_retries: int = Field(default=3, ge=0, le=10)
    healthcheck_backoff: float = Field(default=0.5, ge=0, description="First retry wait; doubles per retry.")
    healthcheck_concurrency: int = Field(default=50, ge=1, le=1000)
    scrape_failures_before_error: int = Field(default=1, ge=1, le=100, description="Failed check runs before error.")

    # queues and scaling (KEDA metrics-api)
    queue_poll_interval: float = Field(default=15.0, gt=0)
    backlog_per_replica: int = Field(default=1000, ge=1, description="Backlog that costs a full health point.")
    scaling_min_replicas: int = Field(default=1, ge=0)
    scaling_max_replicas: int = Field(default=10, ge=1)
    scaling_limits: dict[str, tuple[int, int]] = Field(
        default_factory=dict, description='Per-tag [min, max] replicas as JSON, e.g. {"ocr": [1, 4]}.'
    )
    scaling_cooldown: float = Field(default=120.0, ge=0)
    scaling_drain_seconds: float = Field(default=300.0, gt=0, description="Drain the backlog within this long.")
    scaling_default_rate: float = Field(default=1.0, gt=0, description="Tasks/s per replica when unmeasured.")
    scaling_window: float = Field(default=120.0, gt=0, description="Queue velocity look-back window.")

    # discovery and metrics
    discovery_min_score: int = Field(default=50, ge=0, le=100)
    expected_tags: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(QUEUES),
        description="Tags that always get a worker_count series (0 when none is alive), so 'workers missing' "
        "alerts keep firing after dead instances are purged; comma separated.",
    )

    @field_validator(
        "jwt_secret",
        "jwt_previous_secret",
        "jwt_secret_kid",
        "jwt_previous_secret_kid",
        "jwt_public_key",
        "jwt_public_key_file",
        "jwt_jwks_file",
        "jwt_jwks_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _normalize_db(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("jwt_algorithms", mode="before")
    @classmethod
    def _split_algorithms(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.lstrip().startswith("["):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("jwt_algorithms")
    @classmethod
    def _no_none(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one JWT algorithm is required")
        if any(alg.lower() == "none" for alg in value):
            raise ValueError("the 'none' JWT algorithm is never accepted")
        return value

    @field_validator("expected_tags", "scrape_allowed_networks", "scrape_allowed_hosts", mode="before")
    @classmethod
    def _split_tags(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("scaling_limits", mode="before")
    @classmethod
    def _parse_limits(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RegistrySettings:
        for tag, (low, high) in self.scaling_limits.items():
            if low < 0 or high < max(low, 1):
                raise ValueError(f"scaling_limits[{tag!r}] must be [min, max] with 0 <= min <= max, max >= 1")
        if self.scaling_min_replicas > self.scaling_max_replicas:
            raise ValueError("scaling_min_replicas > scaling_max_replicas")
        has_key = self.jwt_secret is not None or self.jwt_public_key or self.jwt_public_key_file
        if not (has_key or self.jwt_jwks_file or self.jwt_jwks_url):
            raise ValueError(
                "no JWT verification key: set REGISTRY_JWT_SECRET (HS256), REGISTRY_JWT_PUBLIC_KEY[_FILE] "
                "or REGISTRY_JWT_JWKS_FILE/URL"
            )
        if self.jwt_previous_secret is not None and self.jwt_secret is None:
            raise ValueError("REGISTRY_JWT_PREVIOUS_SECRET is set without REGISTRY_JWT_SECRET (the new one)")
        if self.workers_core_env != "development":
            problem = weak_key_problem(self)
            if problem is not None:
                raise ValueError(f"{problem} (refused outside WORKERS_CORE_ENV=development)")
        return self

    def hmac_secrets(self) -> list[tuple[str | None, str]]:
        """``(kid, secret)`` of every accepted HMAC secret, the current one first."""
        pairs = [(self.jwt_secret_kid, self.jwt_secret), (self.jwt_previous_secret_kid, self.jwt_previous_secret)]
        return [(kid, secret.get_secret_value()) for kid, secret in pairs if secret is not None]

    def limits_for(self, tag: str) -> tuple[int, int]:
        """``(min, max)`` replicas of ``tag``."""
        return self.scaling_limits.get(tag, (self.scaling_min_replicas, self.scaling_max_replicas))

    @property
    def asymmetric(self) -> bool:
        return any(alg.startswith(_ASYMMETRIC) for alg in self.jwt_algorithms)


@lru_cache(maxsize=1)
def get_settings() -> RegistrySettings:
    """The process-wide registry settings (tests construct ``RegistrySettings`` directly)."""
    return RegistrySettings()
