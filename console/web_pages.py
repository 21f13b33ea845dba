"""Read-only pages (any role): workers, queues, task search, a task, a dead-letter queue, the audit log."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from markupsafe import Markup

from celeryconfig import QUEUES
from console.audit import AuditQuery
from console.auth import ADMIN, OPERATOR, ROLES
from console.errors import RegistryUnavailable, RequestRefused
from console.history import SEARCH_FIELDS, TaskQuery, dumps
from console.queues import queue_facts
from console.web import html, principal, services
from console.workers_table import workers_table

__all__ = ["router"]

router = APIRouter()


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise RequestRefused(f"not a date/time: {value!r} (use 2026-01-31T12:00)") from exc


def _base(request: Request, page: str, **extra: Any) -> dict[str, Any]:
    me = principal(request)
    return {
        "me": me,
        "page": page,
        "roles": ROLES,
        "OPERATOR": OPERATOR,
        "ADMIN": ADMIN,
        "tags": list(QUEUES),
        "notice": request.query_params.get("notice"),
        **extra,
    }


@router.get("/", include_in_schema=False)
async def index() -> Response:
    return RedirectResponse("/workers", status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> HTMLResponse:
    return html(
        request,
        "login.html",
        {
            "me": None,
            "page": "login",
            "next": request.query_params.get("next", "/"),
            "notice": request.query_params.get("notice"),
        },
    )


async def _workers(request: Request) -> tuple[dict[str, Any] | None, str | None]:
    try:
        return await services(request).registry.workers(), None
    except RegistryUnavailable as exc:
        return None, str(exc)


def _table(request: Request, data: dict[str, Any] | None, problem: str | None) -> Markup:
    """The instances table, rendered once per registry answer (it is the same for every viewer)."""
    state = request.app.state
    cached = getattr(state, "workers_table", None)
    if data is not None and cached is not None and cached[0] is data:
        return Markup(cached[1])  # noqa: S704 - our own template's output, autoescaped when rendered
    rendered = str(workers_table(data, problem))
    if data is not None:
        state.workers_table = (data, rendered)
    return Markup(rendered)  # noqa: S704 - as above


@router.get("/workers", response_class=HTMLResponse)
async def workers_page(request: Request) -> HTMLResponse:
    context = _base(request, "workers")
    data, problem = await _workers(request)
    table = _table(request, data, problem)
    if request.query_params.get("partial"):
        return HTMLResponse(str(table))
    return html(request, "workers.html", {**context, "table": table})


@router.get("/api/workers")
async def workers_api(request: Request) -> JSONResponse:
    principal(request)
    data, problem = await _workers(request)
    if data is None:
        raise RegistryUnavailable(problem or "registry unavailable")
    return JSONResponse(data)


@router.get("/queues", response_class=HTMLResponse)
async def queues_page(request: Request) -> HTMLResponse:
    context = _base(request, "queues")
    svc = services(request)
    waiting = await anyio.to_thread.run_sync(svc.history.oldest_waiting)
    facts = await anyio.to_thread.run_sync(
        lambda: queue_facts(svc.settings.rmq_url.get_secret_value(), waiting_since=waiting)
    )
    scaling = await svc.registry.scaling()
    hints = {
        str(item.get("tag")): item
        for item in scaling.get("tags", scaling.get("items", [])) or []
        if isinstance(item, dict)
    }
    return html(request, "queues.html", {**context, "facts": [asdict(f) for f in facts], "hints": hints})


def _task_query(request: Request) -> TaskQuery:
    q = request.query_params
    values = {name: (q.get(name) or "").strip() or None for name in SEARCH_FIELDS}
    return TaskQuery(
        **values, since=_when(q.get("since")), until=_when(q.get("until")), limit=int(q.get("limit") or 50)
    )


@router.get("/tasks", response_class=HTMLResponse)
async def tasks_page(request: Request) -> HTMLResponse:
    context = _base(request, "tasks")
    query = _task_query(request)
    rows = await anyio.to_thread.run_sync(lambda: services(request).history.search(query))
    return html(request, "tasks.html", {**context, "query": query, "rows": rows, "fields": SEARCH_FIELDS})


@router.get("/api/tasks")
async def tasks_api(request: Request) -> JSONResponse:
    principal(request)
    query = _task_query(request)
    rows = await anyio.to_thread.run_sync(lambda: services(request).history.search(query))
    return JSONResponse(
        {"tasks": [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows]}
    )


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
async def task_page(request: Request, task_id: str) -> HTMLResponse:
    context = _base(request, "tasks")
    found = await anyio.to_thread.run_sync(lambda: services(request).history.task(task_id))
    return html(request, "task.html", {**context, **found, "dumps": dumps})


@router.get("/dlq/{tag}", response_class=HTMLResponse)
async def dlq_page(request: Request, tag: str) -> HTMLResponse:
    context = _base(request, "dlq")
    svc = services(request)
    letters = await anyio.to_thread.run_sync(lambda: svc.deadletters.browse(tag, limit=200))
    errors = {}
    for letter in letters:
        try:
            errors[letter.task_id] = (await anyio.to_thread.run_sync(svc.history.task, letter.task_id))["task"]["error"]
        except Exception:  # noqa: BLE001 - a dead letter the history never saw has no recorded error
            errors[letter.task_id] = None
    return html(request, "dlq.html", {**context, "tag": tag, "letters": letters, "errors": errors, "dumps": dumps})


def _audit_query(request: Request, limit: int) -> AuditQuery:
    q = request.query_params
    return AuditQuery(
        actor=q.get("actor") or None,
        action=q.get("action") or None,
        outcome=q.get("outcome") or None,
        target=q.get("target") or None,
        since=_when(q.get("since")),
        until=_when(q.get("until")),
        limit=limit,
    )


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(request: Request) -> HTMLResponse:
    context = _base(request, "audit")
    query = _audit_query(request, 200)
    rows = await anyio.to_thread.run_sync(lambda: services(request).audit.list(query))
    return html(request, "audit.html", {**context, "query": query, "rows": rows, "dumps": dumps})


@router.get("/audit.csv")
async def audit_csv(request: Request) -> StreamingResponse:
    principal(request)
    query = _audit_query(request, 10_000)
    lines = await anyio.to_thread.run_sync(lambda: list(services(request).audit.csv_lines(query)))
    return StreamingResponse(
        iter(lines), media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="console-audit.csv"'}
    )
