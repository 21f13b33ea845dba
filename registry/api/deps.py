"""FastAPI dependencies: the runtime, the caller's principal (authenticated once per request), scope checks,
validated path parameters and the refusal of unknown query parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Final

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.types import Scope

from registry.auth import SCOPE_ADMIN, SCOPE_HEARTBEAT, SCOPE_READ, Principal, TokenVerifier
from registry.errors import AuthError
from registry.runtime import Runtime
from shared.errors import PayloadError
from shared.keys import INSTANCE_ID_PATTERN, TAG_PATTERN

__all__ = [
    "AdminScope",
    "HeartbeatScope",
    "InstancePath",
    "ReadScope",
    "RuntimeDep",
    "TagPath",
    "authenticate",
    "authorize",
    "forbid_unknown_query",
    "refuse_unknown_query",
]

#: where the principal of a request is kept once its token is verified (``api.gate`` or the first dependency)
PRINCIPAL_KEY: Final = "registry.principal"

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="JWT with scope `workers:read`, `workers:heartbeat` or `workers:admin` (implies the others).",
)


def authenticate(scope: Scope, verifier: TokenVerifier) -> Principal:
    """The principal of the request's bearer token (401 if missing or invalid); verified once per request."""
    known: Principal | None = scope.get(PRINCIPAL_KEY)
    if known is not None:
        return known
    scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("missing bearer token (Authorization: Bearer <JWT>)")
    principal = verifier.verify(token.strip())
    scope[PRINCIPAL_KEY] = principal
    return principal


def authorize(request: Request, scope: str) -> Principal:
    """The caller's principal if its bearer token is valid and has ``scope`` (401/403 otherwise)."""
    runtime: Runtime = request.app.state.runtime
    principal = authenticate(request.scope, runtime.verifier)
    principal.require(scope)
    return principal


def refuse_unknown_query(request: Request, known: set[str]) -> None:
    """422 for query parameters outside ``known`` (a typo must not silently mean "no filter")."""
    if not request.scope.get("query_string"):
        return
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise PayloadError(
            "request validation failed",
            errors=[
                {"loc": ["query", name], "msg": "unknown query parameter", "type": "extra_forbidden"}
                for name in unknown
            ],
        )


async def forbid_unknown_query(request: Request) -> None:
    """Router dependency: the route's declared query parameters are the only ones accepted."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    refuse_unknown_query(request, {p.alias for p in _query_params(dependant)} if dependant is not None else set())


def _query_params(dependant: Any) -> list[Any]:
    params = list(dependant.query_params)
    for sub in dependant.dependencies:
        params.extend(_query_params(sub))
    return params


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


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
