"""``TaxpayerSettings`` (``ANAF_TAXPAYER_*``): cache lifetimes, batching and retries of ``taxpayer.validate``.

The ANAF client's own settings (registry URL, Redis, pacing) are ``anaf_core.AnafSettings`` (``ANAF_*``).
Releases before the one-prefix scheme read ``TAXPAYER_*``: those names are still honoured, below the new ones.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings_aliases import RenamedPrefixSettings

__all__ = ["LEGACY_ENV_PREFIX", "TaxpayerSettings"]

#: The prefix older deployments used; read after ``ANAF_TAXPAYER_`` (same field names).
LEGACY_ENV_PREFIX = "TAXPAYER_"


class TaxpayerSettings(RenamedPrefixSettings):
    model_config = SettingsConfigDict(env_prefix="ANAF_TAXPAYER_", env_file=".env", extra="ignore")
    old_env_prefixes = (LEGACY_ENV_PREFIX,)

    cache_ttl_s: int = Field(default=24 * 3600, ge=0, description="found answers are reused this long")
    stale_ttl_s: int = Field(default=30 * 24 * 3600, ge=0, description="last good answer kept for outages")
    result_ttl_s: int = Field(default=120, ge=5, description="a batch answer shared with late joiners")
    wait_timeout_s: float = Field(default=90.0, gt=0, description="max wait for a batch answer per task")
    attempts: int = Field(default=3, ge=1, description="registry attempts per CUI before stale/retry")
    backoff_s: float = Field(default=1.0, ge=0)
    flush_lock_s: float = Field(default=30.0, gt=0, description="a dead flusher frees the batch after this")
    poll_s: float = Field(default=0.25, gt=0, description="how often a waiter checks whether it may flush")
