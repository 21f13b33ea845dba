"""The checks a heartbeat passes, written once for the FastAPI route and the ASGI fast path.

Order (each step answers before the next one runs, and nothing reads the body before step 3):
1. path tag (422), 2. bearer token (401), scope and the token's tag binding (403), unknown query
parameters (422), 3. body: size (413, ``shared.http_limits``), JSON shape (422), then the instance
binding (403). ``accept_heartbeat`` then runs the service and records the latency.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi.exceptions import RequestValidationError
from pydantic import StringConstraints, TypeAdapter, ValidationError
from pydantic_core import to_json
from starlette.requests import Request
from starlette.types import Scope

from registry.api.deps import authenticate, refuse_unknown_query
from registry.runtime import Runtime
from registry.schemas import HeartbeatPayload
from shared.keys import TAG_PATTERN

__all__ = ["WorkerWrite", "accept_heartbeat", "admit_heartbeat", "peer_of"]

_TAG = TypeAdapter(Annotated[str, StringConstraints(pattern=TAG_PATTERN)])


@dataclass(frozen=True)
class WorkerWrite:
    """An admitted heartbeat: its tag, payload and the connecting peer's address."""

    tag: str
    payload: HeartbeatPayload
    peer: str | None


def peer_of(scope: Scope) -> str | None:
    """The connecting peer's address as the server saw it (never a forwarded header)."""
    client = scope.get("client")
    return str(client[0]) if client else None


def _errors(exc: ValidationError, *prefix: str) -> list[dict[str, Any]]:
    return [{**e, "loc": (*prefix, *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]


async def admit_heartbeat(request: Request, raw_tag: str, runtime: Runtime) -> WorkerWrite:
    """Run the heartbeat checks (module docstring) and return what passed them."""
    try:
        tag = _TAG.validate_python(raw_tag)
    except ValidationError as exc:
        raise RequestValidationError(_errors(exc, "path", "tag")) from exc
    principal = authenticate(request.scope, runtime.verifier)
    principal.require_worker(tag)
    refuse_unknown_query(request, set())
    try:
        payload = HeartbeatPayload.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(_errors(exc, "body")) from exc
    principal.require_worker(tag, payload.instance_id)
    return WorkerWrite(tag, payload, peer_of(request.scope))


async def accept_heartbeat(request: Request, raw_tag: str, runtime: Runtime) -> bytes:
    """Admit a heartbeat, apply it and answer the ``HeartbeatAck`` as JSON bytes."""
    started = time.perf_counter()
    write = await admit_heartbeat(request, raw_tag, runtime)
    ack = await runtime.service.heartbeat(write.tag, write.payload, peer=write.peer)
    runtime.metrics.heartbeat_latency.labels(write.tag).observe(time.perf_counter() - started)
    return to_json(ack)
