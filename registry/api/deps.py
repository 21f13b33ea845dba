"""FastAPI dependencies: the runtime, scope-checked principals and validated path parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from registry.auth import SCOPE_ADMIN, SCOPE_HEARTBEAT, SCOPE_READ, Principal
from registry.errors import AuthError
from registry.runtime import Runtime
from shared.errors import PayloadError
from shared.keys import INSTANCE_ID_PATTERN, TAG_PATTERN

__all__ = [
    "AdminScope", "HeartbeatScope", "InstancePath", "ReadScope", "RuntimeDep", "TagPath", "authorize",
    "forbid_unknown_query",
]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="JWT with scope `workers:read`, `workers:heartbeat` or `workers:admin` (implies the others).",
)


async def forbid_unknown_query(request: Request) -> None:
    """Refuse query parameters the route does not declare (a typo must not silently mean "no filter")."""
    if not request.scope.get("query_string"):
        return
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    known = {p.alias for p in _query_params(dependant)} if dependant is not None else set()
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise PayloadError("request validation failed", errors=[
            {"loc": ["query", name], "msg": "unknown query parameter", "type": "extra_forbidden"} for name in unknown
        ])


def _query_params(dependant: Any) -> list[Any]:
    params = list(dependant.query_params)
    for sub in dependant.dependencies:
        params.extend(_query_params(sub))
    return params


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def authorize(request: Request, scope: str) -> Principal:
    """The caller's principal if its bearer token is valid and has ``scope`` (401/403 otherwise)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthError("missing bearer token (Authorization: Bearer <JWT>)")
    runtime: Runtime = request.app.state.runtime
    principal = runtime.verifier.verify(token.strip())
    principal.require(scope)
    return principal


def require(scope: str) -> Callable[..., Awaitable[Principal]]:
    async def dependency(
        request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Principal:
        return authorize(request, scope)

    return dependency


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ReadScope = Annotated[Principal, Depends(require(SCOPE_READ))]
HeartbeatScope = Annotated[Principal, Depends(require(SCOPE_HEARTBEAT))]
AdminScope = Annotated[Principal, Depends(require(SCOPE_ADMIN))]
TagPath = Annotated[str, Path(pattern=TAG_PATTERN, description="Worker tag = its queue name, e.g. `pdf.render`.")]
InstancePath = Annotated[str, Path(pattern=INSTANCE_ID_PATTERN, description="Instance id, e.g. `ocr@host-1`.")]
