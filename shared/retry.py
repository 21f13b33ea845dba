"""Retry policy for transient errors: exponential backoff with jitter, capped; honours Retry-After.

Countdowns are whole seconds >= 1: RabbitMQ native delayed delivery (used with quorum queues) routes
by a binary count of seconds and refuses anything below one second.
"""

from __future__ import annotations

import math
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
            wait = min(self.cap, retry_after) + random.uniform(0, 1)  # noqa: S311 - jitter, not crypto
        else:
            ceiling = min(self.cap, self.first * self.base ** max(0, retries))
            wait = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - "equal jitter"
        return float(max(1, math.ceil(wait)))
