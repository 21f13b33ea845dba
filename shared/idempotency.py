"""Idempotency guard over Redis: claim a key (SET NX + TTL), do the side effect, then mark it done.

Protocol, per idempotency key (stored hashed under ``wrk:<namespace>:idem:<sha256>``):

1. ``claim``: ``SET key {"state": "pending", "token": ...} NX PX claim_lease`` (a short lease). If the key
   exists and is ``done`` the stored result is returned and nothing is done again; if it is ``pending``
   (another attempt is working, or died while working) ``ClaimHeld`` asks for a retry after the lock's
   remaining TTL.
2. ``hold``: our own pending claim is extended to the full ``lock`` (compare-and-``PEXPIRE`` on the token),
   then the caller performs the side effect (sends the e-mail / posts the Slack message). The lease is short
   because a ``SET NX`` whose reply timed out (Redis stalled, a black-holed link) may still be applied when
   Redis wakes up: that "ghost" claim, whose owner gave up before sending anything, used to block the key for
   the whole lock (150 s for e-mail, measured 135 s of a 15 s stall's tasks in tests/faults); now it expires
   after the lease.
3. ``complete``: ``SET key {"state": "done", "result": ...} EX ttl``, only after the remote side
   accepted. ``release`` (compare-and-delete of our own token) when the side effect certainly did not
   happen, so a retry can claim again at once.

Crash windows (documented, not hidden):
- crash between claim and the side effect: nothing was sent; the claim blocks retries until it expires
  (the short lease before ``hold``, ``lock`` seconds after it, above the task's hard time limit), then the
  redelivered task sends once.
- SIGTERM (the worker cancelling its tasks on a broker connection loss, a cancel): deferred across the
  side effect and ``complete`` (``shared.interrupts``), so it never lands between them; the child exits right
  after, and the redelivery answers "duplicate". An interruption never releases the claim.
- SIGKILL (hard time limit, OOM, node loss) or a Redis loss after the message data went out but before
  ``complete``: the claim expires and a redelivery sends again. The window is the server's time to answer the
  data (its own queueing, milliseconds to seconds) plus the gap from its reply to the one Redis ``SET``
  (retried briefly), about a millisecond: the median of a burst 0.7-1.2 ms, its slowest send up to 44 ms on a
  loaded 2-core box (tests/faults/test_worker_kill.py asserts a median < 5 ms and every gap < 250 ms). A resent e-mail keeps its Message-ID so receivers can collapse it.
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

from shared.config import get_settings
from shared.errors import TransientError
from shared.interrupts import termination_deferred
from shared.keys import idempotency_key

__all__ = [
    "Claim",
    "ClaimHeld",
    "GuardUnavailable",
    "Guarded",
    "IdempotencyGuard",
    "guarded",
    "request_fingerprint",
    "worker_redis",
]


def request_fingerprint(request: Any) -> str:
    """A key derived from a whole pydantic request, for callers that give none and run outside a task."""
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def worker_redis() -> redis.Redis[bytes]:
    """A client of the platform Redis (``REDIS_URL``) with the workers' timeouts, for the guard and its neighbours."""
    url = get_settings().redis_url.get_secret_value()
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)


log = structlog.get_logger(__name__)

#: how long a fresh claim lives before ``hold`` extends it to the full lock (see the protocol, step 2)
CLAIM_LEASE_S = 10.0

_HOLD = """
local v = redis.call('GET', KEYS[1])
if v then
  local ok, doc = pcall(cjson.decode, v)
  if ok and doc['state'] == 'pending' and doc['token'] == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
end
return 0
"""

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

    def __init__(
        self,
        client: redis.Redis[bytes],
        *,
        namespace: str,
        lock_seconds: float,
        ttl_seconds: int,
        claim_lease_seconds: float = CLAIM_LEASE_S,
    ):
        self._redis = client
        self._namespace = namespace
        self._lock_ms = int(lock_seconds * 1000)
        self._lease_ms = min(int(claim_lease_seconds * 1000), self._lock_ms)
        self._ttl = ttl_seconds
        self._hold = client.register_script(_HOLD)
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
                if self._redis.set(rkey, pending, nx=True, px=self._lease_ms):
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

    def hold(self, claim: Claim) -> None:
        """Extend our fresh claim to the full lock before the side effect; nothing is done if it was lost."""
        try:
            held = self._hold(keys=[claim.redis_key], args=[claim.token, self._lock_ms])
        except redis.RedisError as exc:
            raise GuardUnavailable(f"idempotency store unavailable: {exc}") from exc
        if not held:
            raise ClaimHeld(
                "the idempotency claim lapsed before the side effect; nothing was done",
                retry_after=0.5,
                details={"idempotency_key": claim.key},
            )

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
    not_done: Callable[[Exception], bool] = lambda _exc: True,
) -> Guarded[R]:
    """Claim ``key`` (then ``hold`` it for the full lock), run ``act`` once, record what it returned; a later
    call with the key gets that record.

    The one claim -> side effect -> complete flow of the e-mail and Slack workers. ``act`` and ``complete`` run
    with SIGTERM deferred (``shared.interrupts``): a worker cancelling its tasks on a broker connection loss
    interrupts the child only once the outcome is recorded, so the redelivery answers "duplicate". The claim
    is released only when ``act`` raised an ``Exception`` that ``not_done`` says proves nothing happened; an
    interruption (``SystemExit``, ``KeyboardInterrupt``) or an error it does not vouch for keeps the claim until
    its lock expires. The remaining crash windows are those of the module docstring.
    """
    claim = guard.claim(key)
    if claim.done is not None:
        log.info("already done under this idempotency key; not repeated", idempotency_key=key)
        return Guarded(load(claim.done), duplicate=True)
    guard.hold(claim)
    with termination_deferred():
        try:
            value = act()
        except Exception as exc:
            if not_done(exc):
                guard.release(claim)
            else:
                log.warning(
                    "outcome unknown: idempotency claim kept until its lock expires",
                    idempotency_key=key,
                    error=repr(exc),
                )
            raise
        guard.complete(claim, dump(value))
    return Guarded(value, duplicate=False)
