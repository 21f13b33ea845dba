"""A task's state as the gateway shows it, read from Celery's Redis result backend (async, no Celery call).

The backend stores ``celery-task-meta-<id>`` as JSON (``status``, ``result``, ``date_done``) and publishes
each write on a channel of the same name; streams subscribe to it and re-read on every message (and at
least every ``GATEWAY_EVENTS_POLL_S``). No meta yet means ``PENDING`` (the gateway knows the task exists).
"""

from __future__ import annotations

from typing import Any, Final

import orjson
import redis.asyncio as aioredis

from gateway.store import TaskRecord

__all__ = ["FINAL_STATES", "STATES", "StatusReader", "structured_error"]

STATES: Final = ("PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED")
FINAL_STATES: Final = frozenset({"SUCCESS", "FAILURE", "REVOKED"})
META_PREFIX: Final = "celery-task-meta-"


def structured_error(result: Any) -> dict[str, Any]:
    """The worker's structured error (``shared.errors.WorkerError.to_dict``) out of a stored failure."""
    if isinstance(result, dict) and "exc_type" in result:
        args = result.get("exc_message")
        first = args[0] if isinstance(args, list | tuple) and args else args
        if isinstance(first, dict) and "code" in first:
            return {**first, "details": first.get("details") or {}}
        return {
            "code": "task_failed",
            "message": str(first if first is not None else ""),
            "details": {"exc_type": result.get("exc_type")},
        }
    return {"code": "task_failed", "message": str(result), "details": {}}


class StatusReader:
    def __init__(self, backend: aioredis.Redis[bytes]) -> None:
        self.backend = backend

    @staticmethod
    def channel(task_id: str) -> str:
        return META_PREFIX + task_id

    async def meta(self, task_id: str) -> dict[str, Any] | None:
        raw = await self.backend.get(self.channel(task_id))
        if raw is None:
            return None
        meta: dict[str, Any] = orjson.loads(raw)
        return meta

    async def view(self, record: TaskRecord) -> dict[str, Any]:
        """``{"task_id","name","state","result","error","correlation_id","tenant","created_at","done_at"}``."""
        meta = await self.meta(record.task_id)
        state = str(meta.get("status", "PENDING")) if meta else "PENDING"
        if state not in STATES:
            state = "PENDING" if state == "RECEIVED" else state
        result = meta.get("result") if meta else None
        return {
            "task_id": record.task_id,
            "name": record.name,
            "state": state,
            "result": result if state == "SUCCESS" else None,
            "error": structured_error(result) if state == "FAILURE" else None,
            "correlation_id": record.correlation_id,
            "tenant": record.tenant,
            "created_at": record.created_at,
            "done_at": meta.get("date_done") if meta and state in FINAL_STATES else None,
        }
