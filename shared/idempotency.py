"""Idempotency guard over Redis: claim a key (SET NX + TTL), do the side effect, then mark it done.

Protocol, per idempotency key (stored hashed under ``wrk:<namespace>:idem:<sha256>``):

1. ``claim``: ``SET key {"state": "pending", "token": ...} NX PX lock``. If the key exists and is
   ``done`` the stored result is returned and nothing is done again; if it is ``pending`` (another
   attempt is working, or died while working) ``ClaimHeld`` asks for a retry after the lock's
   remaining TTL.
2. the caller performs the side effect (sends the e-mail / posts the Slack message).
3. ``complete``: ``SET key {"state": "done", "result": ...} EX ttl``, only after the remote side
   accepted. ``release`` (compare-and-delete of our own token) when the side effect certainly did not
   happen, so a retry can claim again at once.

Crash windows (documented, not hidden):
- crash between claim and the side effect: nothing was sent; the claim blocks retries until the lock
  expires (``lock`` seconds, above the task's hard time limit), then the redelivered task sends once.
- crash (or Redis loss) after the remote side accepted but before ``complete``: the claim expires
  and a redelivery sends again. The window is the few microseconds between the server's reply and
  one Redis ``SET`` (which is retried briefly); a resent e-mail keeps its Message-ID so receivers can
  collapse it.
- connection lost after the message data went out but before the server's reply: the outcome is
  unknown (RFC 1047); the claim is released and the retry may deliver a second copy.

    WorkerError (shared.errors)
    └── TransientError
        ├── ClaimHeld           the key is pending in another attempt; retry_after = lock's remaining TTL
        └── GuardUnavailable    Redis unreachable: nothing is sent without the guard
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import redis
import structlog
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_fixed

from shared.errors import TransientError
from shared.keys import idempotency_key

__all__ = ["Claim", "ClaimHeld", "GuardUnavailable", "Guarded", "IdempotencyGuard", "guarded", "request_fingerprint"]


def request_fingerprint(request: Any) -> str:
    """A key derived from a whole pydantic request, for callers that give none and run outside a task."""
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


log = structlog.get_logger(__name__)

_RELEASE = """
local v = redis.call('GET', KEYS[1])
if v then
  local ok, doc = pcall(cjson.decode, v)
  if ok and doc['state'] == 'pending' and doc['token'] == ARGV[1] then return redis.call('DEL', KEYS[1]) end
end
return 0
"""


class ClaimHeld(TransientError):
    """Another attempt holds the claim on this key."""

    code = "in_flight"


class GuardUnavailable(TransientError):
    """The idempotency store (Redis) cannot be reached."""

    code = "idempotency_store_unavailable"


@dataclass(frozen=True)
class Claim:
    """Our hold on a key, or (``done`` set) the result recorded by an earlier attempt."""

    key: str
    redis_key: str
    token: str
    done: dict[str, Any] | None = None


class IdempotencyGuard:
    """Claim / complete / release over one Redis client; ``namespace`` separates workers (``email``, ``slack``)."""

    def __init__(self, client: redis.Redis[bytes], *, namespace: str, lock_seconds: float, ttl_seconds: int):
        self._redis = client
        self._namespace = namespace
        self._lock_ms = int(lock_seconds * 1000)
        self._ttl = ttl_seconds
        self._release = client.register_script(_RELEASE)

    def redis_key(self, key: str) -> str:
        return idempotency_key(self._namespace, hashlib.sha256(key.encode()).hexdigest())

    def claim(self, key: str) -> Claim:
        """Take the key, or return the earlier result; raises ``ClaimHeld`` / ``GuardUnavailable``."""
        rkey = self.redis_key(key)
        token = secrets.token_hex(12)
        pending = json.dumps({"state": "pending", "token": token, "at": time.time()})
        try:
            for _ in range(3):  # the key may expire between SET NX and GET: try again
                if self._redis.set(rkey, pending, nx=True, px=self._lock_ms):
                    return Claim(key=key, redis_key=rkey, token=token)
                pipe = self._redis.pipeline(transaction=False)
                pipe.get(rkey)
                pipe.pttl(rkey)
                raw, pttl = pipe.execute()
                if raw is None:
                    continue
                current = json.loads(raw)
                if current.get("state") == "done":
                    return Claim(key=key, redis_key=rkey, token=token, done=current.get("result") or {})
                wait = max(float(pttl) / 1000.0, 0.5) if pttl and pttl > 0 else 0.5
                raise ClaimHeld(
                    "this idempotency key is being processed by another attempt",
                    retry_after=round(wait, 3),
                    details={"idempotency_key": key},
                )
        except redis.RedisError as exc:
            raise GuardUnavailable(f"idempotency store unavailable: {exc}") from exc
        raise GuardUnavailable("idempotency key kept changing under us")

    def complete(self, claim: Claim, result: dict[str, Any]) -> None:
        """Record the result for ``ttl_seconds``; never raises (the side effect already happened)."""
        value = json.dumps({"state": "done", "result": result, "at": time.time()}, default=str)
        try:
            self._redis.set(claim.redis_key, value, ex=self._ttl)
            return
        except redis.RedisError:
            pass  # retried below, briefly
        try:
            for attempt in Retrying(
                stop=stop_after_attempt(5),
                wait=wait_fixed(0.2),
                retry=retry_if_exception_type(redis.RedisError),
                reraise=True,
            ):
                with attempt:
                    self._redis.set(claim.redis_key, value, ex=self._ttl)
        except redis.RedisError as exc:
            log.error(
                "idempotency mark lost: a redelivery after the lock expires may repeat the side effect",
                idempotency_key=claim.key,
                error=repr(exc),
            )

    def release(self, claim: Claim) -> None:
        """Give the key back (the side effect did not happen); only our own pending claim is deleted."""
        try:
            self._release(keys=[claim.redis_key], args=[claim.token])
        except redis.RedisError as exc:
            log.warning(
                "idempotency claim not released; it expires on its own", idempotency_key=claim.key, error=repr(exc)
            )


R = TypeVar("R")


@dataclass(frozen=True)
class Guarded(Generic[R]):
    """The outcome of ``guarded``: the value, and whether an earlier attempt had already produced it."""

    value: R
    duplicate: bool


def guarded(
    guard: IdempotencyGuard,
    key: str,
    act: Callable[[], R],
    *,
    dump: Callable[[R], dict[str, Any]],
    load: Callable[[dict[str, Any]], R],
) -> Guarded[R]:
    """Claim ``key``, run ``act`` once, record what it returned; a later call with the key gets that record.

    The one claim -> side effect -> complete flow of the e-mail and Slack workers. Anything raised by ``act``
    releases the claim (the side effect is taken as not done) and propagates; the crash windows are those of
    the module docstring.
    """
    claim = guard.claim(key)
    if claim.done is not None:
        log.info("already done under this idempotency key; not repeated", idempotency_key=key)
        return Guarded(load(claim.done), duplicate=True)
    try:
        value = act()
    except BaseException:
        guard.release(claim)
        raise
    guard.complete(claim, dump(value))
    return Guarded(value, duplicate=False)
