"""The gateway's routes: send, read, stream and list tasks; health, readiness and metrics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from starlette.responses import Response, StreamingResponse

from gateway.api.deps import CallerDep, RuntimeDep, SenderDep
from gateway.api.events import event_stream, subscribe
from gateway.api.middleware import CORRELATION_KEY
from gateway.api.responses import json_response
from gateway.errors import ScopeError, UnavailableError
from gateway.schemas import Accepted, ErrorBody, Readiness, TaskList, TaskStatus
from gateway.service import owned_record, send_task

__all__ = ["router"]

router = APIRouter()

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "Missing, expired, forged token or wrong audience (`unauthorized`)."),
        (403, "The token lacks the scope (`insufficient_scope`)."),
        (429, "Too many requests from this caller (`rate_limited`; `Retry-After`)."),
        (503, "Redis or the broker is unavailable (`store_unavailable`, `broker_unavailable`)."),
    )
}
_BODY = {
    "requestBody": {
        "required": True,
        "description": "The task's payload; it must match the task's `payload_schema` (see `GET /v1/tasks`).",
        "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
    }
}


def _require_reader(caller: Any) -> None:
    if not caller.may_read("") and not caller.send_patterns():
        raise ScopeError("the token may not read tasks", details={"required_scope": "tasks:read"})


@router.post(
    "/v1/tasks/{name}",
    status_code=202,
    response_model=Accepted,
    summary="Send a task",
    tags=["tasks"],
    openapi_extra=_BODY,
    responses={
        **_ERRORS,
        404: {"model": ErrorBody, "description": "No such task (`unknown_task`)."},
        409: {"model": ErrorBody, "description": "Idempotency-Key reused with another body."},
        413: {"model": ErrorBody, "description": "Body larger than the cap (`payload_too_large`)."},
        422: {"model": ErrorBody, "description": "Body does not match the payload schema (`invalid_payload`)."},
    },
)
async def post_task(
    name: str,
    request: Request,
    runtime: RuntimeDep,
    caller: SenderDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    x_correlation_id: Annotated[str | None, Header(alias="X-Correlation-Id")] = None,
) -> Response:
    """Validate the body against the task's payload schema, publish it with publisher confirms and answer 202.

    The same `Idempotency-Key` and body within the window replays the first answer
    (`Idempotency-Replayed: true`); the same key with another body is 409 `idempotency_key_reused`.
    """
    raw = await request.body()
    sent = await send_task(
        runtime, caller, name, raw, idempotency_key=idempotency_key, correlation_id=request.scope[CORRELATION_KEY]
    )
    headers = {"Location": sent.answer["status_url"], "X-Correlation-Id": sent.answer["correlation_id"]}
    if sent.replayed:
        headers["Idempotency-Replayed"] = "true"
    return json_response(sent.answer, 202, headers)


@router.get(
    "/v1/tasks/{task_id}",
    response_model=TaskStatus,
    summary="State of a task",
    tags=["tasks"],
    responses={**_ERRORS, 404: {"model": ErrorBody, "description": "Unknown task or another tenant's."}},
)
async def get_task(task_id: str, runtime: RuntimeDep, caller: CallerDep) -> Response:
    """State, result (on SUCCESS) and structured error (on FAILURE) of a task of the caller's tenant."""
    _require_reader(caller)
    record = await owned_record(runtime, caller, task_id)
    return json_response(await runtime.status.view(record))


@router.get(
    "/v1/tasks/{task_id}/events",
    summary="Stream a task's state changes (server-sent events)",
    tags=["tasks"],
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "`event: state` with the task JSON on every change, `event: end` at the end.",
        },
        **_ERRORS,
        404: {"model": ErrorBody, "description": "Unknown task or another tenant's."},
    },
)
async def task_events(task_id: str, request: Request, runtime: RuntimeDep, caller: CallerDep) -> StreamingResponse:
    """`event: state` + `data: <task JSON>` on every state change, then `event: end`; `: keep-alive` comments."""
    _require_reader(caller)
    record = await owned_record(runtime, caller, task_id)
    return StreamingResponse(
        event_stream(runtime, record, request, await subscribe(runtime, record)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/v1/tasks", response_model=TaskList, summary="Tasks the caller may send", tags=["tasks"], responses=_ERRORS
)
async def list_tasks(runtime: RuntimeDep, caller: CallerDep) -> Response:
    """Every task the caller's `tasks:send:` scopes allow, with its payload and result JSON Schemas."""
    tasks = [entry.listing() for name, entry in runtime.catalog.tasks.items() if caller.may_send(name)]
    return json_response({"tasks": tasks})


@router.get("/healthz", summary="Liveness", tags=["ops"])
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness (Redis and the broker)",
    tags=["ops"],
    responses={503: {"model": ErrorBody}},
)
async def readyz(runtime: RuntimeDep) -> Response:
    checks = await runtime.readiness()
    if not all(checks.values()):
        raise UnavailableError("not ready", code="not_ready", details={"checks": checks})
    return json_response({"status": "ready", "checks": checks})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    tags=["ops"],
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(runtime: RuntimeDep) -> Response:
    return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
