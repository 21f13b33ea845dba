"""Actions: every one checks the caller's role on the server and leaves an audit row, whatever its outcome.

operator: replay/retry dead letters, revoke/terminate, drain/resume; admin: discard, pool, rate limit, scale.
Forms post ``application/x-www-form-urlencoded`` (a browser answer is a redirect with a notice); JSON clients
post JSON and get JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from console.auth import ADMIN, OPERATOR, Principal
from console.deadletters import Selection
from console.errors import ConsoleError, ForbiddenError, NotAuthenticated, RequestRefused
from console.web import COOKIE, principal, services, wants_json

__all__ = ["router"]

router = APIRouter()
_MAX_FORM = 64 * 1024


async def _form(request: Request) -> dict[str, list[str]]:
    body = await request.body()
    if len(body) > _MAX_FORM:
        raise RequestRefused("request body too large")
    if (request.headers.get("content-type") or "").startswith("application/json"):
        data = json.loads(body or b"{}")
        return {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in data.items()}
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=False)


def _one(form: dict[str, list[str]], name: str, default: str | None = None) -> str | None:
    values = form.get(name)
    return values[0].strip() if values and values[0].strip() else default


def _same_origin(request: Request) -> None:
    """Cookie-authenticated posts must come from the console's own pages (the cookie is also SameSite=Strict)."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        raise ForbiddenError("cross-origin post refused")


def _source(request: Request) -> str | None:
    return request.client.host if request.client else None


def _back(request: Request, form: dict[str, list[str]], message: str) -> Response:
    target = _one(form, "next") or urlsplit(request.headers.get("referer") or "/").path or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}notice={quote(message)}", status_code=303)


async def _act(
    request: Request,
    action: str,
    role: str,
    target: Callable[[dict[str, list[str]]], str | None],
    run: Callable[[dict[str, list[str]]], Any],
) -> Response:
    """Authenticate, authorize, run, audit (ok / denied / refused / failed), answer."""
    _same_origin(request)
    form = await _form(request)
    who = principal(request)
    svc = services(request)
    params = {k: v if len(v) > 1 else v[0] for k, v in form.items() if k != "next"}
    aim = target(form)

    def audit(outcome: str, detail: str | None) -> None:
        svc.audit.record(
            who, action, target=aim, params=params, outcome=outcome, detail=detail, source=_source(request)
        )

    try:
        who.require(role)
        result = await anyio.to_thread.run_sync(lambda: run(form))
    except ConsoleError as exc:
        outcome = "denied" if isinstance(exc, ForbiddenError) else "refused" if exc.status < 500 else "failed"
        await anyio.to_thread.run_sync(audit, outcome, str(exc))
        raise
    message = f"{action}: {result}" if not isinstance(result, dict | list) else f"{action}: done"
    await anyio.to_thread.run_sync(audit, "ok", json.dumps(result, default=str)[:2000])
    if wants_json(request):
        return JSONResponse({"action": action, "outcome": "ok", "result": result}, media_type="application/json")
    return _back(request, form, message)


def _selection(form: dict[str, list[str]]) -> Selection:
    return Selection(
        ids=frozenset(v.strip() for v in form.get("id", []) if v.strip()),
        task=_one(form, "task"),
        reason=_one(form, "reason"),
        all=_one(form, "all") == "1",
    )


def _tag(form: dict[str, list[str]]) -> str:
    tag = _one(form, "tag")
    if tag is None:
        raise RequestRefused("a worker tag is required")
    return tag


def _int(form: dict[str, list[str]], name: str) -> int:
    try:
        return int(_one(form, name) or "")
    except ValueError as exc:
        raise RequestRefused(f"{name} must be a whole number") from exc


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _form(request)
    token = _one(form, "token") or ""
    nxt = _one(form, "next", "/") or "/"
    try:
        who = services(request).verifier.verify(token)
    except (NotAuthenticated, ForbiddenError) as exc:
        return RedirectResponse(f"/login?notice={quote(str(exc))}", status_code=303)
    await anyio.to_thread.run_sync(
        lambda: services(request).audit.record(
            who, "login", target=None, params={}, outcome="ok", source=_source(request)
        )
    )
    response = RedirectResponse(nxt if nxt.startswith("/") and not nxt.startswith("//") else "/", status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", secure=services(request).settings.cookie_secure, path="/"
    )
    return response


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/actions/replay")
async def replay(request: Request) -> Response:
    svc = services(request)
    return await _act(
        request,
        "dlq.replay",
        OPERATOR,
        lambda f: _one(f, "tag"),
        lambda f: {"replayed": svc.deadletters.replay(_tag(f), _selection(f))},
    )


@router.post("/actions/discard")
async def discard(request: Request) -> Response:
    svc = services(request)
    return await _act(
        request,
        "dlq.discard",
        ADMIN,
        lambda f: _one(f, "tag"),
        lambda f: {"discarded": svc.deadletters.discard(_tag(f), _selection(f))},
    )


def _retry(request: Request, form: dict[str, list[str]]) -> dict[str, Any]:
    """Retry a failed task: its dead letter (which holds the full payload) goes back to its queue."""
    svc = services(request)
    task_id = _one(form, "task_id") or ""
    task = svc.history.task(task_id)["task"]
    if task["state"] not in ("FAILURE", "REJECTED"):
        raise RequestRefused(f"task {task_id} is {task['state']}, not failed")
    tag = task.get("queue") or _one(form, "tag")
    if not tag:
        raise RequestRefused("the task's queue is unknown; retry it from its dead-letter queue page")
    done = svc.deadletters.replay(str(tag), Selection(ids=frozenset({task_id})))
    if not done:
        raise RequestRefused(f"task {task_id} is not in {tag}.dlq (already replayed or discarded?)")
    return {"retried": done}


@router.post("/actions/retry")
async def retry(request: Request) -> Response:
    return await _act(request, "task.retry", OPERATOR, lambda f: _one(f, "task_id"), lambda f: _retry(request, f))


@router.post("/actions/revoke")
async def revoke(request: Request) -> Response:
    svc = services(request)

    def run(form: dict[str, list[str]]) -> dict[str, Any]:
        task_id = _one(form, "task_id")
        if not task_id:
            raise RequestRefused("task_id is required")
        terminate = _one(form, "terminate") == "1"
        svc.control.revoke(task_id, terminate=terminate)
        return {"revoked": task_id, "terminate": terminate}

    return await _act(request, "task.revoke", OPERATOR, lambda f: _one(f, "task_id"), run)


def _node_target(form: dict[str, list[str]]) -> str | None:
    return _one(form, "node") or _one(form, "tag")


@router.post("/actions/drain")
async def drain(request: Request) -> Response:
    svc = services(request)
    return await _act(
        request,
        "worker.drain",
        OPERATOR,
        _node_target,
        lambda f: {"replies": svc.control.drain(_tag(f), node=_one(f, "node"))},
    )


@router.post("/actions/resume")
async def resume(request: Request) -> Response:
    svc = services(request)
    return await _act(
        request,
        "worker.resume",
        OPERATOR,
        _node_target,
        lambda f: {"replies": svc.control.resume(_tag(f), node=_one(f, "node"))},
    )


@router.post("/actions/pool")
async def pool(request: Request) -> Response:
    svc = services(request)
    return await _act(
        request,
        "worker.pool",
        ADMIN,
        _node_target,
        lambda f: {"replies": svc.control.pool(_tag(f), _one(f, "action") or "", _int(f, "n"), node=_one(f, "node"))},
    )


@router.post("/actions/rate-limit")
async def rate_limit(request: Request) -> Response:
    svc = services(request)
    return await _act(
        request,
        "worker.rate_limit",
        ADMIN,
        _node_target,
        lambda f: {
            "replies": svc.control.rate_limit(
                _tag(f), _one(f, "task") or "", _one(f, "rate") or "", node=_one(f, "node")
            )
        },
    )


@router.post("/actions/scale")
async def scale(request: Request) -> Response:
    svc = services(request)
    return await _act(
        request,
        "worker.scale",
        ADMIN,
        lambda f: _one(f, "tag"),
        lambda f: dict(svc.control.scale(_tag(f), _int(f, "replicas"))),
    )


def who_am_i(request: Request) -> Principal:
    return principal(request)
