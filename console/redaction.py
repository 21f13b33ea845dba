"""What of a task's arguments the console may keep: never a field its ``TaskSpec`` declares sensitive.

Celery task events carry the arguments as ``saferepr`` text (a Python literal, possibly truncated). The
console parses it, drops every sensitive field of the task (``shared/contracts/tasks.json``), caps the size
and keeps the rest as JSON. Arguments of a task with sensitive fields that cannot be parsed are not kept at all.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from typing import Any, Final

from shared.contracts import load_contracts

__all__ = ["REDACTED", "identity_fields", "kept_kwargs", "parse_kwargs", "sensitive_fields"]

REDACTED: Final = "[sensitive: not stored]"
_MAX_VALUE = 500
_MAX_KEYS = 50
#: payload fields that identify a task across services (also read from message headers)
_TENANT_FIELDS = ("tenant", "tenant_id")
_IDEMPOTENCY_FIELDS = ("idempotency_key",)


@lru_cache(maxsize=1)
def _sensitive_by_task() -> dict[str, frozenset[str]]:
    return {name: frozenset(contract.get("sensitive") or ()) for name, contract in load_contracts().items()}


def sensitive_fields(task_name: str | None) -> frozenset[str]:
    return _sensitive_by_task().get(task_name or "", frozenset())


def parse_kwargs(text: Any) -> Any:
    """The arguments as a Python value (``dict`` when readable), or None."""
    return _parse(text)


def _parse(text: Any) -> Any:
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or not text.strip():
        return None
    return _literal(text)


@lru_cache(maxsize=4096)  # a task's sent and received events carry the same text: parsed once (never mutated)
def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _cap(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value if not isinstance(value, str) or len(value) <= _MAX_VALUE else value[:_MAX_VALUE] + "..."
    text = repr(value)
    return text if len(text) <= _MAX_VALUE else text[:_MAX_VALUE] + "..."


def kept_kwargs(task_name: str | None, kwargs_repr: Any) -> dict[str, Any] | None:
    """The arguments the console may store: sensitive fields replaced by a marker, values capped."""
    if kwargs_repr in (None, "", "{}"):
        return None
    parsed = kwargs_repr if isinstance(kwargs_repr, dict) else _parse(kwargs_repr)
    sensitive = sensitive_fields(task_name)
    if not isinstance(parsed, dict):
        if sensitive:
            return {"_withheld": "arguments not parseable; the task declares sensitive fields"}
        return {"_repr": _cap(str(kwargs_repr))}
    kept: dict[str, Any] = {}
    for key in list(parsed)[:_MAX_KEYS]:
        kept[str(key)] = REDACTED if str(key) in sensitive else _cap(parsed[key])
    return kept


def identity_fields(task_name: str | None, kwargs_repr: Any) -> dict[str, str]:
    """Tenant and idempotency key when the payload carries them (and they are not sensitive)."""
    parsed = kwargs_repr if isinstance(kwargs_repr, dict) else _parse(kwargs_repr)
    if not isinstance(parsed, dict):
        return {}
    sensitive = sensitive_fields(task_name)
    found: dict[str, str] = {}
    for target, names in (("tenant", _TENANT_FIELDS), ("idempotency_key", _IDEMPOTENCY_FIELDS)):
        for name in names:
            value = parsed.get(name)
            if name not in sensitive and isinstance(value, str | int) and str(value):
                found[target] = str(value)[:400]
                break
    return found
