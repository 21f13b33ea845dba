"""The claim -> side effect -> record flow under SIGTERM, over the session's real Redis (issue 20 F1)."""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import Iterator
from types import FrameType

import pytest
import redis

from shared.idempotency import ClaimHeld, IdempotencyGuard, guarded


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(15)  # what billiard's handler does in a pool child


@pytest.fixture
def guard(redis_client: redis.Redis) -> Iterator[IdempotencyGuard]:
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    yield IdempotencyGuard(redis_client, namespace=f"faults-{uuid.uuid4().hex[:8]}", lock_seconds=30, ttl_seconds=60)
    signal.signal(signal.SIGTERM, previous)


def _state(guard: IdempotencyGuard, redis_client: redis.Redis, key: str) -> str:
    raw = redis_client.get(guard.redis_key(key))
    return json.loads(raw)["state"] if raw else "absent"


def test_sigterm_during_the_side_effect_waits_for_the_record(guard: IdempotencyGuard, redis_client) -> None:
    sent: list[str] = []

    def send() -> str:
        os.kill(os.getpid(), signal.SIGTERM)  # the worker cancels us while the server is accepting
        sent.append("mail")
        return "250 queued"

    with pytest.raises(SystemExit):
        guarded(guard, "k1", send, dump=lambda v: {"reply": v}, load=lambda d: d["reply"])
    assert sent == ["mail"] and _state(guard, redis_client, "k1") == "done"
    again = guarded(guard, "k1", send, dump=lambda v: {"reply": v}, load=lambda d: d["reply"])
    assert again.duplicate and again.value == "250 queued" and sent == ["mail"]
    assert signal.getsignal(signal.SIGTERM) is _exit_on_sigterm


def test_an_interruption_keeps_the_claim_a_proven_failure_releases_it(guard: IdempotencyGuard, redis_client) -> None:
    def interrupted() -> str:
        raise SystemExit(15)

    with pytest.raises(SystemExit):
        guarded(guard, "k2", interrupted, dump=lambda v: {"reply": v}, load=lambda d: d["reply"])
    assert _state(guard, redis_client, "k2") == "pending"
    with pytest.raises(ClaimHeld):
        guard.claim("k2")

    def refused() -> str:
        raise ConnectionRefusedError("smtp down")

    with pytest.raises(ConnectionRefusedError):
        guarded(guard, "k3", refused, dump=lambda v: {"reply": v}, load=lambda d: d["reply"])
    assert _state(guard, redis_client, "k3") == "absent"
    with pytest.raises(RuntimeError):
        guarded(
            guard,
            "k4",
            lambda: (_ for _ in ()).throw(RuntimeError("unknown")),
            dump=lambda v: {"reply": v},
            load=lambda d: d["reply"],
            not_done=lambda exc: not isinstance(exc, RuntimeError),
        )
    assert _state(guard, redis_client, "k4") == "pending"
