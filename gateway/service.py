"""Sending a task through the gateway: rate limit, body check, idempotency, ownership record, confirmed publish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import structlog

from gateway.auth import Caller
from gateway.errors import BadRequestError, GatewayError, InvalidPayloadError, TaskNotFoundError, UnavailableError
from gateway.idempotency import Outcome, body_digest
from gateway.ids import new_task_id
from gateway.runtime import Runtime
from gateway.store import TaskRecord
from shared.context import CORRELATION_HEADER

__all__ = ["MAX_IDEMPOTENCY_KEY", "Sent", "owned_record", "send_task"]

log = structlog.get_logger(__name__)

MAX_IDEMPOTENCY_KEY = 255


@dataclass(frozen=True)
class Sent:
    answer: dict[str, Any]
    replayed: bool


def parse_body(raw: bytes) -> Any:
    try:
        return orjson.loads(raw or b"null")
    except orjson.JSONDecodeError as exc:
        raise InvalidPayloadError(
            "the body is not JSON", details={"errors": [{"loc": ["body"], "msg": f"invalid JSON: {exc}"}]}
        ) from exc


def _check_key(key: str | None) -> None:
    if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY and key.isprintable()):
        raise BadRequestError(f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} printable characters")


def _answer(runtime: Runtime, name: str, task_id: str, correlation_id: str) -> dict[str, Any]:
    status_url = runtime.status_path(task_id)
    return {
        "task_id": task_id,
        "name": name,
        "state": "PENDING",
        "status_url": status_url,
        "events_url": f"{status_url}/events",
        "correlation_id": correlation_id,
    }


async def send_task(
    runtime: Runtime, caller: Caller, name: str, raw: bytes, *, idempotency_key: str | None, correlation_id: str
) -> Sent:
    """Publish ``name`` with the JSON body ``raw`` for ``caller``; replays an earlier answer for the same key."""
    runtime.catalog.get(name)
    caller.require_send(name)
    _check_key(idempotency_key)
    payload = parse_body(raw)
    runtime.catalog.validate(name, payload)
    task_id = new_task_id()
    record = TaskRecord(task_id, name, caller.tenant, caller.subject, correlation_id, datetime.now(UTC).isoformat())
    # one round trip: the caller's rate-limit slot and, when granted, the owner of the task (read after the 202;
    # written before the publish, so a Redis failure answers 503 before anything was sent)
    then_set = (runtime.records.key(task_id), runtime.records.encode(record), runtime.records.ttl_s)
    await runtime.limiter.check(caller.key, then_set=then_set)
    digest = body_digest(payload) if idempotency_key is not None else ""
    claim: Outcome | None = None
    if idempotency_key is not None:
        try:
            claim = await runtime.idempotency.claim(caller.tenant, idempotency_key, digest, task_id)
        except GatewayError:
            await runtime.records.delete(task_id)
            raise
        if claim.replay is not None:
            await runtime.records.delete(task_id)
            runtime.metrics.replays.labels(task=name).inc()
            return Sent(claim.replay, replayed=True)
    headers = {CORRELATION_HEADER: correlation_id, "x-tenant": caller.tenant, "x-caller": caller.subject}
    if idempotency_key is not None:
        headers["x-idempotency-key"] = idempotency_key
    try:
        await runtime.publisher.publish(name, payload, task_id, headers)
    except UnavailableError:
        await runtime.records.delete(task_id)
        if claim is not None:
            await runtime.idempotency.release(claim)
        raise
    answer = _answer(runtime, name, task_id, correlation_id)
    if claim is not None:
        await runtime.idempotency.complete(claim, digest, answer)
    runtime.metrics.accepted.labels(task=name).inc()
    log.info("task accepted", task=name, task_id=task_id, tenant=caller.tenant, caller=caller.subject)
    return Sent(answer, replayed=False)


async def owned_record(runtime: Runtime, caller: Caller, task_id: str) -> TaskRecord:
    """The record of ``task_id`` if the caller's tenant owns it and its scopes may read it; 404 otherwise."""
    record = await runtime.records.get(task_id) if len(task_id) <= 64 else None
    if record is None or record.tenant != caller.tenant or not caller.may_read(record.name):
        raise TaskNotFoundError("no such task", details={"task_id": task_id[:64]})
    return record
