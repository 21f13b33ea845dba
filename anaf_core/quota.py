"""ANAF's daily caps, counted in Redis per subject and Romania calendar day (``DailyQuota``).

ANAF counts some calls per subject per day (90 ``stareMesaj`` per upload index, 10 downloads per message, lists
per CUI); we keep our own caps below ANAF's so a loop never locks a company out until midnight. Pacing (calls
per second / minute) is the shared GCRA limiter's job (``shared.ratelimit``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import redis

from anaf_core.errors import AnafDailyLimitError, AnafTransportError
from shared.keys import quota_key

__all__ = ["RO_TZ", "DailyQuota", "seconds_until_ro_midnight"]

RO_TZ = ZoneInfo("Europe/Bucharest")

# KEYS[1]=counter. ARGV: cap, ttl_s. Returns the count after this call, or -1 when the cap is spent.
_QUOTA = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2])) end
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return -1
end
return n
"""


def seconds_until_ro_midnight(now: datetime | None = None) -> float:
    """Seconds until the next midnight in Europe/Bucharest (when ANAF's daily counters reset)."""
    current = (now or datetime.now(RO_TZ)).astimezone(RO_TZ)
    tomorrow = (current + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
    return max(1.0, (tomorrow - current).total_seconds())


class DailyQuota:
    """A per-subject daily cap (Romania calendar day), e.g. 90 ``stareMesaj`` calls per upload index."""

    def __init__(
        self,
        client: redis.Redis[bytes],
        name: str,
        *,
        cap: int,
        namespace: str = "anaf",
        clock: Callable[[], datetime] | None = None,
    ):
        self.name = name
        self._namespace = namespace
        self.cap = cap
        self._client = client
        self._clock = clock or (lambda: datetime.now(RO_TZ))
        self._script: Any = client.register_script(_QUOTA)

    def _key(self, subject: str) -> str:
        return quota_key(self._namespace, self.name, f"{self._clock().astimezone(RO_TZ):%Y%m%d}", subject)

    def consume(self, subject: str) -> int:
        """Count one call for ``subject``; raise ``AnafDailyLimitError`` (nothing counted) when spent."""
        try:
            n = int(self._script(keys=[self._key(subject)], args=[self.cap, 2 * 86400]))
        except redis.RedisError as exc:
            raise AnafTransportError(
                f"quota store unavailable: {exc}", request_sent=False, operation=self.name
            ) from exc
        if n < 0:
            raise AnafDailyLimitError(
                f"daily cap of {self.cap} {self.name} calls reached for {subject}",
                operation=self.name,
                retry_after=seconds_until_ro_midnight(self._clock()),
            )
        return n

    def used(self, subject: str) -> int:
        value = self._client.get(self._key(subject))
        return int(value) if value else 0
