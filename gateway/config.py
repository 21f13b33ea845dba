"""Gateway settings (env prefix ``GATEWAY_``; ``RMQ_URL`` and ``REDIS_URL`` are the shared names)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from gateway.keycheck import weak_key_problem
from shared.config import BaseServiceSettings
from shared.http_limits import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES

__all__ = ["DEFAULT_PORT", "GatewaySettings", "get_settings"]

DEFAULT_PORT = 8095


class GatewaySettings(BaseServiceSettings):
    """Everything the gateway reads; timings are seconds."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    rmq_url: SecretStr = Field(
        default=SecretStr("amqp://guest:guest@127.0.0.1:5672//"),
        validation_alias=AliasChoices("GATEWAY_RMQ_URL", "RMQ_URL"),
        description="Broker the tasks are published to (publisher confirms).",
    )
    result_backend_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:6379/0"),
        validation_alias=AliasChoices("GATEWAY_RESULT_BACKEND_URL", "REDIS_URL"),
        description="Celery result backend the task states are read from.",
    )
    redis_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:6379/0"),
        validation_alias=AliasChoices("GATEWAY_REDIS_URL", "REDIS_URL"),
        description="Idempotency records, task ownership and rate limits.",
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("GATEWAY_LOG_LEVEL", "LOG_LEVEL"))
    log_format: str = Field(default="json", validation_alias=AliasChoices("GATEWAY_LOG_FORMAT", "LOG_FORMAT"))
    public_base_url: str = Field(default="", description="Prefix of status links (empty: paths only).")
    workers: int = Field(default=1, ge=1, le=64, description="uvicorn processes of `gateway serve`.")

    # auth (pyjwt)
    jwt_secret: SecretStr | None = Field(default=None, description="HS256 secret (32 random bytes).")
    jwt_public_key: str | None = Field(default=None, description="PEM public key for RS*/ES* tokens.")
    jwt_public_key_file: Path | None = None
    jwt_jwks_url: str | None = Field(default=None, description="JWKS URL for RS*/ES* tokens (by `kid`).")
    jwt_issuer: str | None = Field(default=None, description="Required `iss` (unset: not checked).")
    jwt_audience: str = "workers-core-gateway"
    jwt_algorithms: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["HS256", "RS256", "ES256"])
    jwt_leeway: float = Field(default=5.0, ge=0, le=300)

    # limits
    redis_max_connections: int = Field(default=64, ge=1, description="Per pool; more concurrent commands wait.")
    events_max_streams: int = Field(default=1000, ge=1, description="Concurrent event streams per process.")
    rate_per_second: float = Field(default=50.0, gt=0, description="Sustained requests per caller (tenant+sub).")
    rate_burst: int = Field(default=100, ge=1, description="Requests a caller may send at once.")
    tenant_rate_per_second: float = Field(
        default=200.0, gt=0, description="Sustained requests per tenant, all its callers together (its quota)."
    )
    tenant_rate_burst: int = Field(default=400, ge=1, description="Requests a tenant's callers may send at once.")
    idempotency_ttl_s: int = Field(default=86400, ge=60, description="Window of an Idempotency-Key.")
    idempotency_wait_s: float = Field(default=10.0, gt=0, description="A concurrent same-key request waits this long.")
    task_record_ttl_s: int = Field(default=86400, ge=60, description="How long ownership of a task is kept.")
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024)
    max_header_bytes: int = Field(default=DEFAULT_MAX_HEADER_BYTES, ge=1024)

    # publishing
    send_fast_path: bool = Field(default=True, description="Serve POST /v1/tasks/{name} from the ASGI fast path.")
    publish_inflight: int = Field(
        default=256, ge=1, le=10_000, description="Unconfirmed publishes per process; more wait their turn."
    )
    publish_timeout_s: float = Field(default=5.0, gt=0, description="Connect / confirm timeout of one publish.")
    publish_retries: int = Field(default=1, ge=0, le=10, description="Reconnect attempts before 503.")

    # server-sent events
    events_poll_s: float = Field(default=0.25, gt=0, description="Result backend poll period of a stream.")
    events_keepalive_s: float = Field(default=15.0, gt=0)
    events_max_duration_s: float = Field(default=600.0, gt=0)

    @field_validator("jwt_secret", "jwt_public_key", "jwt_public_key_file", "jwt_jwks_url", "jwt_issuer", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("jwt_algorithms", mode="before")
    @classmethod
    def _split_algorithms(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.lstrip().startswith("["):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("jwt_algorithms")
    @classmethod
    def _no_none(cls, value: list[str]) -> list[str]:
        if not value or any(alg.lower() == "none" for alg in value):
            raise ValueError("JWT algorithms must be listed and never include 'none'")
        return value

    @model_validator(mode="after")
    def _keys(self) -> GatewaySettings:
        if not (self.jwt_secret or self.jwt_public_key or self.jwt_public_key_file or self.jwt_jwks_url):
            raise ValueError(
                "no JWT verification key: set GATEWAY_JWT_SECRET (HS256), GATEWAY_JWT_PUBLIC_KEY[_FILE] "
                "or GATEWAY_JWT_JWKS_URL"
            )
        if self.workers_core_env != "development":
            problem = weak_key_problem(self.secret(), self.public_key_pem())
            if problem is not None:
                raise ValueError(f"{problem} (refused outside WORKERS_CORE_ENV=development)")
        return self

    def secret(self) -> str | None:
        return self.jwt_secret.get_secret_value() if self.jwt_secret is not None else None

    def public_key_pem(self) -> str | None:
        if self.jwt_public_key is not None:
            return self.jwt_public_key
        if self.jwt_public_key_file is not None:
            return self.jwt_public_key_file.read_text(encoding="utf-8")
        return None


@lru_cache(maxsize=1)
def get_settings() -> GatewaySettings:
    """The process-wide settings (tests construct ``GatewaySettings`` directly)."""
    return GatewaySettings()
