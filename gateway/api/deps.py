"""FastAPI dependencies: the runtime and the caller (bearer JWT verified and per-caller rate limit taken before
any body is read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.auth import Caller
from gateway.errors import AuthError
from gateway.runtime import Runtime

__all__ = ["CallerDep", "RuntimeDep", "SenderDep", "bearer"]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="JWT (HS256 or RS256/ES256) with `sub`, `tenant`, `exp`, `iat`, audience `workers-core-gateway` "
    "and scopes in `scope`: `tasks:send:<task>`, `tasks:send:<prefix>.*`, `tasks:send:*`, `tasks:read`.",
)


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials.strip():
        raise AuthError("missing bearer token (Authorization: Bearer <JWT>)")
    runtime: Runtime = request.app.state.runtime
    return runtime.verifier.verify(credentials.credentials.strip())


async def get_limited_caller(request: Request, caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    """The caller, once it took a request slot (429 otherwise)."""
    runtime: Runtime = request.app.state.runtime
    await runtime.limiter.check(caller.key)
    return caller


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
#: reads take their rate-limit slot here; sends take it in the round trip that records the task's owner
CallerDep = Annotated[Caller, Depends(get_limited_caller)]
SenderDep = Annotated[Caller, Depends(get_caller)]
