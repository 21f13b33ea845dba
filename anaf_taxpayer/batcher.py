"""Cluster-wide coalescing of registry lookups: concurrent tasks share batches of <= 100 CUIs at 1 req/s.

Every waiting task registers its keys (``date|cui``) in one Redis sorted set and its inbox in a waiter
set per key. Whoever takes the flush lock waits for the next registry slot, then collects the oldest
<= 100 pending keys (anyone's), asks ANAF once and delivers each answer to every waiter's inbox, all
in Lua so no waiter is missed. A flusher that dies leaves the keys pending: the lock expires and the
next waiter flushes them. Answers stay readable for ``result_ttl_s`` for late joiners.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis

from anaf_core.errors import AnafError, AnafTransportError
from anaf_core.http import ANAF_ERRORS
from shared.keys import taxpayer_key
from shared.ratelimit import GcraLimiter, RateLimiterUnavailable, SlotUnavailable

__all__ = ["OPERATION", "Answer", "Batcher", "LookupFn"]

OPERATION = "registry.tva"

#: Lookup of one batch: [(date, cui)] -> {key: ("found", raw) | ("notFound", None)}; raises AnafError.
LookupFn = Callable[[Sequence[tuple[str, str]]], dict[str, tuple[str, dict[str, Any] | None]]]

# KEYS: pending, waiters-prefix, result-prefix. ARGV: inbox, now_ms, ttl_s, min_at_ms, key1, key2, ...
# A shared result ("<checked_at_ms>|<answer>") is reused only if checked at or after min_at_ms.
_REGISTER = """
local out = {}
local min_at = tonumber(ARGV[4])
for i = 5, #ARGV do
  local k = ARGV[i]
  local r = redis.call('GET', KEYS[3] .. k)
  local at = r and tonumber(string.match(r, '^(%d+)|')) or -1
  if r and at >= min_at then
    table.insert(out, k); table.insert(out, string.sub(r, string.len(tostring(at)) + 2))
  else
    redis.call('SADD', KEYS[2] .. k, ARGV[1])
    redis.call('EXPIRE', KEYS[2] .. k, ARGV[3])
    redis.call('ZADD', KEYS[1], 'NX', ARGV[2], k)
  end
end
return out
"""

# KEYS: pending, waiters-prefix, result-prefix. ARGV: result_ttl_s, inbox_ttl_s, (key, payload, keep)...
# keep = '0' (an error: not shared) or the answer's checked_at in ms (shared for result_ttl_s).
_DELIVER = """
for i = 3, #ARGV, 3 do
  local k, payload, keep = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if keep ~= '0' then redis.call('SET', KEYS[3] .. k, keep .. '|' .. payload, 'EX', ARGV[1]) end
  local inboxes = redis.call('SMEMBERS', KEYS[2] .. k)
  for _, inbox in ipairs(inboxes) do
    redis.call('RPUSH', inbox, payload)
    redis.call('EXPIRE', inbox, ARGV[2])
  end
  redis.call('DEL', KEYS[2] .. k)
  redis.call('ZREM', KEYS[1], k)
end
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Answer:
    """What the registry said about one key, or the error of the batch that carried it."""

    key: str
    status: str  # "found" | "notFound" | "error"
    raw: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    retryable: bool = True
    checked_at: float = 0.0

    def dump(self) -> str:
        return json.dumps(
            {
                "k": self.key,
                "s": self.status,
                "raw": self.raw,
                "e": self.error,
                "rt": self.retryable,
                "at": self.checked_at,
            },
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, data: bytes | str) -> Answer:
        d = json.loads(data)
        return cls(d["k"], d["s"], d.get("raw"), d.get("e"), bool(d.get("rt", True)), float(d.get("at") or 0))


class Batcher:
    """One per process; ``resolve`` blocks the calling task (thread) until every key has an answer."""

    def __init__(
        self,
        client: redis.Redis[bytes],
        limiter: GcraLimiter,
        lookup: LookupFn,
        *,
        namespace: str = "anaf",
        batch_size: int = 100,
        result_ttl_s: int = 120,
        flush_lock_s: float = 30.0,
        poll_s: float = 0.25,
        clock: Callable[[], float] = time.time,
    ):
        self._r = client
        self._limiter = limiter
        self._lookup = lookup
        self.batch_size = batch_size
        self.result_ttl_s = result_ttl_s
        self.flush_lock_s = flush_lock_s
        self.poll_s = poll_s
        self._clock = clock
        self.pending = taxpayer_key(namespace, "pending")
        self.waiters = taxpayer_key(namespace, "waiters") + ":"  # + key: the inboxes waiting for it
        self.results = taxpayer_key(namespace, "result") + ":"  # + key: the shared answer
        self.inboxes = taxpayer_key(namespace, "inbox") + ":"  # + a waiter's id
        self.lock = taxpayer_key(namespace, "flush-lock")
        self._register: Any = client.register_script(_REGISTER)
        self._deliver: Any = client.register_script(_DELIVER)
        self._release: Any = client.register_script(_RELEASE)

    def resolve(self, keys: Sequence[str], timeout: float, *, shared_since: float = 0.0) -> dict[str, Answer]:
        """Answers for ``keys`` (``"YYYY-MM-DD|cui"``); errors come back as ``status == "error"`` answers.

        An answer another waiter got is reused only if checked at or after ``shared_since`` (unix time).
        """
        inbox = self.inboxes + uuid.uuid4().hex
        deadline = time.monotonic() + timeout
        answers: dict[str, Answer] = {}
        try:
            hits = self._register(
                keys=[self.pending, self.waiters, self.results],
                args=[inbox, int(self._clock() * 1000), int(timeout) + 60, int(shared_since * 1000), *keys],
            )
            for i in range(0, len(hits), 2):
                answer = Answer.load(hits[i + 1])
                answers[answer.key] = answer
            while len(answers) < len(set(keys)):
                if time.monotonic() > deadline:
                    raise AnafTransportError(
                        f"no registry answer within {timeout:.0f}s",
                        operation=OPERATION,
                        request_sent=False,
                    )
                if not self.flush_once():
                    popped = self._r.blpop([inbox], timeout=self.poll_s)
                    if popped is not None:
                        answer = Answer.load(popped[1])
                        answers[answer.key] = answer
                for raw in self._drain(inbox):
                    answer = Answer.load(raw)
                    answers[answer.key] = answer
        except redis.RedisError as exc:
            raise AnafTransportError(
                f"batch store unavailable: {exc}", operation=OPERATION, request_sent=False
            ) from exc
        finally:
            self._r.delete(inbox)
        return answers

    def _drain(self, inbox: str) -> list[bytes]:
        items: list[bytes] = []
        while (item := self._r.lpop(inbox)) is not None:
            items.append(item)
        return items

    def flush_once(self) -> bool:
        """If nobody is flushing and keys are pending: take the lock, wait for a slot, ask ANAF, deliver."""
        if not self._r.zcard(self.pending):
            return False
        token = uuid.uuid4().hex
        if not self._r.set(self.lock, token, nx=True, px=int(self.flush_lock_s * 1000)):
            return False
        try:
            self._take_slot()
            batch = [k.decode() for k in self._r.zrange(self.pending, 0, self.batch_size - 1)]
            if not batch:
                return True
            self._answer(batch)  # the registry client marks the call completed as soon as the answer arrives
            return True
        finally:
            self._release(keys=[self.lock], args=[token])

    def _take_slot(self) -> None:
        """Wait for the registry slot; a limiter refusal is an ANAF error like any other (typed, transient)."""
        try:
            self._limiter.acquire()
        except SlotUnavailable as exc:
            raise ANAF_ERRORS.rate_limited(OPERATION, exc.retry_after) from exc
        except RateLimiterUnavailable as exc:
            raise ANAF_ERRORS.connection(OPERATION, exc, sent=False) from exc

    def _answer(self, batch: list[str]) -> None:
        items = [(k.split("|", 1)[0], k.split("|", 1)[1]) for k in batch]
        now = self._clock()
        try:
            found = self._lookup(items)
            answers = [
                Answer(k, found[k][0], found[k][1], checked_at=now)
                if k in found
                else Answer(k, "error", error={"message": "missing from ANAF's answer"}, checked_at=now)
                for k in batch
            ]
        except AnafError as exc:
            answers = [Answer(k, "error", error=exc.to_dict(), retryable=exc.retryable, checked_at=now) for k in batch]
        args: list[Any] = [self.result_ttl_s, self.result_ttl_s + 60]
        for a in answers:
            args += [a.key, a.dump(), str(int(a.checked_at * 1000)) if a.status != "error" else "0"]
        self._deliver(keys=[self.pending, self.waiters, self.results], args=args)
