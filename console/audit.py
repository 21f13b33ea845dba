"""The audit log: one append-only row per action (who, when, what, target, parameters, outcome, from where)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from psycopg.types.json import Jsonb
from sqlalchemy import text
from sqlalchemy.engine import Engine

from console.auth import Principal

__all__ = ["AUDIT_COLUMNS", "AuditLog", "AuditQuery"]

AUDIT_COLUMNS: Final = ("id", "at", "actor", "role", "action", "target", "params", "outcome", "detail", "source")


@dataclass(frozen=True)
class AuditQuery:
    actor: str | None = None
    action: str | None = None
    outcome: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = []
        params: dict[str, Any] = {}
        for name in ("actor", "action", "outcome", "target"):
            if getattr(self, name):
                clauses.append(f"{name} = :{name}")
                params[name] = getattr(self, name)
        if self.since is not None:
            clauses.append("at >= :since")
            params["since"] = self.since
        if self.until is not None:
            clauses.append("at <= :until")
            params["until"] = self.until
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        who: Principal,
        action: str,
        *,
        target: str | None,
        params: dict[str, Any] | None,
        outcome: str,
        detail: str | None = None,
        source: str | None = None,
    ) -> int:
        with self.engine.begin() as conn:
            row_id = conn.execute(
                text(
                    "INSERT INTO console_audit (at, actor, role, action, target, params, outcome, detail, source) "
                    "VALUES (:at, :actor, :role, :action, :target, :params, :outcome, :detail, :source) RETURNING id"
                ),
                {
                    "at": datetime.now(UTC),
                    "actor": who.subject,
                    "role": who.role,
                    "action": action,
                    "target": target,
                    "params": Jsonb(params or {}),
                    "outcome": outcome,
                    "detail": (detail or "")[:2000] or None,
                    "source": source,
                },
            ).scalar_one()
        return int(row_id)

    def list(self, query: AuditQuery) -> list[dict[str, Any]]:
        where, params = query.where()
        params["limit"] = max(1, min(query.limit, 10_000))
        sql = f"SELECT {', '.join(AUDIT_COLUMNS)} FROM console_audit{where} ORDER BY at DESC, id DESC LIMIT :limit"  # noqa: S608
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]

    def csv_lines(self, query: AuditQuery) -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(AUDIT_COLUMNS)
        for row in self.list(query):
            writer.writerow([_cell(row[c]) for c in AUDIT_COLUMNS])
        yield buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text_value = value.isoformat() if isinstance(value, datetime) else str(value)
    # spreadsheet formula injection: a cell must not start with = + - @
    return "'" + text_value if text_value[:1] in ("=", "+", "-", "@") else text_value
