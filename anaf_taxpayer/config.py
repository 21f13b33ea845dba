"""``TaxpayerSettings`` (``TAXPAYER_*``): cache lifetimes, batching and retries of ``taxpayer.validate``."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings

__all__ = ["TaxpayerSettings", "get_settings"]


class TaxpayerSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TAXPAYER_", env_file=".env", extra="ignore")

    cache_ttl_s: int = Field(default=24 * 3600, ge=0, description="found answers are reused this long")
    stale_ttl_s: int = Field(default=30 * 24 * 3600, ge=0, description="last good answer kept for outages")
    result_ttl_s: int = Field(default=120, ge=5, description="a batch answer shared with late joiners")
    wait_timeout_s: float = Field(default=90.0, gt=0, description="max wait for a batch answer per task")
    attempts: int = Field(default=3, ge=1, description="registry attempts per CUI before stale/retry")
    backoff_s: float = Field(default=1.0, ge=0)
    flush_lock_s: float = Field(default=30.0, gt=0, description="a dead flusher frees the batch after this")
    poll_s: float = Field(default=0.25, gt=0, description="how often a waiter checks whether it may flush")


@lru_cache(maxsize=1)
def get_settings() -> TaxpayerSettings:
    return TaxpayerSettings()
