"""What became of the tasks a flow sent: read from the result backend, never waited on.

A flow names its children's task ids itself (``flow-<id>-<step>``), so a look is one result-backend read; a
step sent twice under the same id is the same child for the flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from celery import Celery, states

from shared.errors import error_dict

__all__ = ["Child", "ChildResults"]


@dataclass(frozen=True)
class Child:
    """``pending`` (queued, running, retrying or unknown), ``ok`` with its result, or ``failed`` with its error."""

    status: Literal["pending", "ok", "failed"]
    result: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[str]:
        """The error's lines for people: the structured errors' messages, or the error message."""
        found = [str(e.get("msg") or e) for e in self.error.get("errors", ()) if isinstance(e, Mapping)]
        details = self.error.get("details") or {}
        found += [str(m) for m in details.get("messages", ()) if isinstance(details, Mapping)]
        return found or [f"{self.error.get('code', 'error')}: {self.error.get('message', '')}".strip()]


def _error_of(value: Any) -> dict[str, Any]:
    if isinstance(value, BaseException):
        if value.args and isinstance(value.args[0], Mapping):
            return dict(value.args[0])
        return error_dict(value)
    return dict(value) if isinstance(value, Mapping) else {"code": "internal_error", "message": str(value)}


class ChildResults:
    """Reads children's states through a producer app's result backend (``create_client``)."""

    def __init__(self, app: Celery):
        self.app = app

    def get(self, task_id: str) -> Child:
        meta = self.app.backend.get_task_meta(task_id)
        state = meta.get("status", states.PENDING)
        if state == states.SUCCESS:
            result = meta.get("result")
            return Child("ok", dict(result) if isinstance(result, Mapping) else {"value": result})
        if state in states.PROPAGATE_STATES:
            return Child("failed", error=_error_of(meta.get("result")))
        return Child("pending")
