"""Retry policy for transient errors: exponential backoff with full jitter, capped; honours Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 2.0
    cap: float = 600.0
    first: float = 1.0

    def countdown(self, retries: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ``retries + 1``; a server's ``retry_after`` wins (plus jitter)."""
        if retry_after is not None and retry_after >= 0:
            return min(self.cap, retry_after) + random.uniform(0, 1)  # noqa: S311 - jitter, not crypto
        ceiling = min(self.cap, self.first * self.base ** max(0, retries))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - "equal jitter"
