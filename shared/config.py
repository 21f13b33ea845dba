"""Typed settings (pydantic-settings) shared by every worker, with the placeholder-secret guard."""

from __future__ import annotations

import socket
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.retry import RetryPolicy

__all__ = ["PLACEHOLDER_SECRETS", "BaseServiceSettings", "WorkerSettings", "get_settings", "is_placeholder"]

#: Values that mean "nobody set this": refused for secrets outside development.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "change_me", "changethis", "placeholder", "secret", "password", "xxx", "todo"}
)

Environment = Literal["development", "test", "staging", "production"]


def is_placeholder(value: str) -> bool:
    v = value.strip().lower()
    return v in PLACEHOLDER_SECRETS or v.startswith(("changeme", "change-me", "<", "${"))


class BaseServiceSettings(BaseSettings):
    """Base of every settings class: reads the environment (and ``.env``), refuses placeholder secrets.

    Subclasses add their fields and an ``env_prefix``. Any ``SecretStr`` field that is set to a
    placeholder (see ``PLACEHOLDER_SECRETS``) makes start-up fail unless ``WORKERS_CORE_ENV=development``.
    Optional secrets left unset (``None``) are fine: the feature that needs them reports itself disabled.
    Secrets may also come from files (``<FIELD>_FILE`` is not magic here; mount them as env or use
    ``secrets_dir`` = ``SECRETS_DIR``, as ExternalSecrets do).
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    workers_core_env: Environment = Field(default="production", validation_alias="WORKERS_CORE_ENV")

    @model_validator(mode="after")
    def _enforce_non_placeholder_secrets(self) -> BaseServiceSettings:
        if self.workers_core_env == "development":
            return self
        bad = [
            name
            for name in type(self).model_fields
            if isinstance(value := getattr(self, name), SecretStr) and is_placeholder(value.get_secret_value())
        ]
        if bad:
            raise ValueError(
                "placeholder secrets refused outside development: "
                + ", ".join(sorted(bad))
                + " (set real values, or WORKERS_CORE_ENV=development on a laptop)"
            )
        return self


class WorkerSettings(BaseServiceSettings):
    """Settings every worker process reads (names as in ``.env.example``)."""

    rmq_url: SecretStr = Field(default=SecretStr("amqp://guest:guest@127.0.0.1:5672//"), validation_alias="RMQ_URL")
    redis_url: SecretStr = Field(default=SecretStr("redis://127.0.0.1:6379/0"), validation_alias="REDIS_URL")
    health_host: str = Field(default="0.0.0.0", validation_alias="HEALTH_HOST")  # noqa: S104 - pod probes
    health_port: int | None = Field(default=None, validation_alias="HEALTH_PORT")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    log_format: Literal["json", "console"] = Field(default="json", validation_alias="LOG_FORMAT")
    artifact_dir: Path = Field(default=Path("/var/lib/workers-core/artifacts"), validation_alias="ARTIFACT_DIR")
    artifact_max_bytes: int = Field(default=50 * 1024 * 1024, validation_alias="ARTIFACT_MAX_BYTES")
    worker_version: str = Field(default="0.1.0", validation_alias="WORKER_VERSION")
    instance_id: str = Field(default_factory=socket.gethostname, validation_alias="INSTANCE_ID")
    events_enabled: bool = Field(default=True, validation_alias="EVENTS_ENABLED")
    retry_backoff_base: float = Field(default=2.0, ge=1.0, validation_alias="RETRY_BACKOFF_BASE")
    retry_backoff_max: float = Field(default=600.0, ge=1.0, validation_alias="RETRY_BACKOFF_MAX")
    max_retries: int = Field(default=8, validation_alias="TASK_MAX_RETRIES")
    queue_length_cache_seconds: float = Field(default=10.0, validation_alias="QUEUE_LENGTH_CACHE_SECONDS")
    registry_url: str = Field(default="", validation_alias="REGISTRY_URL")
    registry_token: SecretStr | None = Field(default=None, validation_alias="REGISTRY_TOKEN")
    heartbeat_interval: float = Field(default=30.0, gt=0, validation_alias="HEARTBEAT_INTERVAL")
    health_advertise_url: str = Field(default="", validation_alias="HEALTH_ADVERTISE_URL")
    exit_when_idle: float | None = Field(default=None, gt=0, validation_alias="WORKER_EXIT_WHEN_IDLE")

    @model_validator(mode="after")
    def _registry_token_required(self) -> WorkerSettings:
        if self.registry_url and self.registry_token is None and self.workers_core_env != "development":
            raise ValueError("REGISTRY_URL is set but REGISTRY_TOKEN is missing")
        return self

    @model_validator(mode="after")
    def _rabbit_password(self) -> WorkerSettings:
        # guest/guest only works on loopback; anywhere else it is a placeholder credential
        url = self.rmq_url.get_secret_value()
        if (
            self.workers_core_env == "production"
            and "guest:guest@" in url
            and "127.0.0.1" not in url
            and "localhost" not in url
        ):
            raise ValueError("RMQ_URL uses the default guest/guest credentials outside loopback")
        return self

    def model_post_init(self, context: Any, /) -> None:
        self.artifact_dir = Path(self.artifact_dir)

    def retry_policy(self) -> RetryPolicy:
        """Backoff of transient failures: ``RETRY_BACKOFF_BASE`` ** retries seconds, capped at ``RETRY_BACKOFF_MAX``."""
        return RetryPolicy(base=self.retry_backoff_base, cap=self.retry_backoff_max)


@lru_cache(maxsize=1)
def get_settings() -> WorkerSettings:
    """The process-wide worker settings (tests construct ``WorkerSettings`` directly instead)."""
    return WorkerSettings()
