"""RO e-Transport API client (``/ETRANSPORT/ws/v1``): upload, stareMesaj, lista. JSON answers, XML requests.

The ``httpx.Client`` comes from ``anaf_core`` (``AnafRuntime.api_client``): transport failures and error statuses
are already the ANAF tree when a call returns, so this module only reads good answers and the errors ANAF writes
into a 200 body (``Errors[{errorMessage}]``, through ``error_for_message``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from anaf_core.http import error_for_message
from anaf_etransport.errors import AnafProtocolError, UitFormatError
from anaf_etransport.uit import uit_problem
from shared.integration import OPERATION

__all__ = ["EtransportClient", "StatusAnswer", "UploadAnswer"]

_NO_MESSAGES = "Nu exista mesaje"


@dataclass(frozen=True)
class UploadAnswer:
    index_incarcare: int
    uit: str | None
    trace_id: str | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class StatusAnswer:
    stare: str  # "in prelucrare" | "ok" | "nok"
    errors: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.stare in {"ok", "nok"}


def _json(response: httpx.Response, operation: str) -> dict[str, Any]:
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise AnafProtocolError(
            f"{operation}: answer is not JSON",
            operation=operation,
            status_code=response.status_code,
            body=response.content,
        ) from None
    if not isinstance(data, dict):
        raise AnafProtocolError(f"{operation}: answer is not a JSON object", operation=operation, body=response.content)
    return data


def _messages(data: dict[str, Any]) -> list[str]:
    errors = data.get("Errors") or []
    if not isinstance(errors, list):
        errors = [errors]
    return [str(e.get("errorMessage", e)) if isinstance(e, dict) else str(e) for e in errors]


class EtransportClient:
    """Talks to one e-Transport base URL through an ``httpx.Client`` carrying auth and the rate limiter."""

    def __init__(self, http: httpx.Client):
        self.http = http

    def upload(self, cif: str, xml: bytes) -> UploadAnswer:
        """``POST /upload/ETRANSP/{cif}/2``: the UIT comes back at once but is valid only after ``ok``."""
        op = "etransport.upload"
        response = self.http.post(
            f"/upload/ETRANSP/{cif}/2",
            content=xml,
            headers={"Content-Type": "application/xml"},
            extensions={OPERATION: op},
        )
        data = _json(response, op)
        if str(data.get("ExecutionStatus")) != "0" or data.get("Errors"):
            msgs = _messages(data) or ["upload rejected without a message"]
            raise error_for_message(
                "; ".join(msgs), operation=op, status_code=response.status_code, body=response.content
            )
        try:
            index = int(data["index_incarcare"])
        except (KeyError, TypeError, ValueError):
            raise AnafProtocolError(
                f"{op}: no index_incarcare in the answer", operation=op, body=response.content
            ) from None
        uit = data.get("UIT")
        if uit is not None:
            uit = str(uit)
            problem = uit_problem(uit)
            if problem:
                raise UitFormatError(f"{op}: ANAF returned UIT {uit!r}: {problem}", operation=op, body=response.content)
        return UploadAnswer(index, uit, data.get("trace_id"), data)

    def status(self, index: int) -> StatusAnswer:
        """``GET /stareMesaj/{index}``; an ``Errors``-only answer is a query error, not a document state."""
        op = "etransport.stareMesaj"
        response = self.http.get(f"/stareMesaj/{index}", extensions={OPERATION: op})
        data = _json(response, op)
        stare = data.get("stare")
        if stare is None:
            msgs = _messages(data) or ["no stare in the answer"]
            raise error_for_message(
                "; ".join(msgs), operation=op, status_code=response.status_code, body=response.content
            )
        return StatusAnswer(str(stare), _messages(data), data)

    def messages(self, cif: str, days: int = 1) -> list[dict[str, Any]]:
        """``GET /lista/{days}/{cif}``: final messages of the last ``days`` (no results -> empty list)."""
        op = "etransport.lista"
        response = self.http.get(f"/lista/{max(1, min(60, days))}/{cif}", extensions={OPERATION: op})
        data = _json(response, op)
        msgs = _messages(data)
        if msgs and all(_NO_MESSAGES in m for m in msgs):
            return []
        if msgs:
            raise error_for_message(
                "; ".join(msgs), operation=op, status_code=response.status_code, body=response.content
            )
        return [m for m in data.get("mesaje") or [] if isinstance(m, dict)]
