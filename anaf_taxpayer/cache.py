"""Redis cache of registry answers: fresh found answers for 24 h, and the last good one for outages."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

from shared.keys import taxpayer_key

__all__ = ["CachedAnswer", "RegistryCache"]


@dataclass(frozen=True)
class CachedAnswer:
    cui: str
    date: str
    raw: dict[str, Any]
    checked_at: float


class RegistryCache:
    def __init__(self, client: redis.Redis[bytes], *, namespace: str, fresh_ttl_s: int, stale_ttl_s: int):
        self._r = client
        self._fresh = taxpayer_key(namespace, "cache") + ":"  # + date|cui
        self._stale = taxpayer_key(namespace, "stale") + ":"  # + cui
        self.fresh_ttl_s = fresh_ttl_s
        self.stale_ttl_s = stale_ttl_s

    def fresh(self, keys: Sequence[str]) -> dict[str, CachedAnswer]:
        """Found answers younger than 24 h, by ``date|cui`` key."""
        return self._get([self._fresh + k for k in keys], keys)

    def stale(self, cuis: Sequence[str]) -> dict[str, CachedAnswer]:
        """The last good answer per CUI (any date), for when ANAF is down."""
        return self._get([self._stale + c for c in cuis], cuis)

    def put(self, answers: Sequence[CachedAnswer]) -> None:
        if not answers:
            return
        with self._r.pipeline(transaction=False) as pipe:
            for a in answers:
                value = json.dumps({"cui": a.cui, "date": a.date, "raw": a.raw, "at": a.checked_at})
                if self.fresh_ttl_s:
                    pipe.set(f"{self._fresh}{a.date}|{a.cui}", value, ex=self.fresh_ttl_s)
                if self.stale_ttl_s:
                    pipe.set(self._stale + a.cui, value, ex=self.stale_ttl_s)
            pipe.execute()

    def _get(self, redis_keys: list[str], names: Sequence[str]) -> dict[str, CachedAnswer]:
        if not redis_keys:
            return {}
        out: dict[str, CachedAnswer] = {}
        for name, raw in zip(names, self._r.mget(redis_keys), strict=True):
            if raw:
                d = json.loads(raw)
                out[name] = CachedAnswer(d["cui"], d["date"], d["raw"], float(d["at"]))
        return out
