"""Persistence (SQLAlchemy): MessageId <-> ResponseId of every submission, and every result drained."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

__all__ = ["RegesStore", "StoredSubmission"]

metadata = MetaData()
submissions = Table(
    "reges_submissions", metadata,
    Column("message_id", String(36), primary_key=True),
    Column("response_id", String(38), unique=True),
    Column("employer_cui", String(10), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # sending | submitted | succeeded | failed
    Column("result_code", String(16)),
    Column("result_ref", String(38)),
    Column("description", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
results = Table(
    "reges_results", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), unique=True, nullable=False),
    Column("response_id", String(38), index=True),
    Column("message_id", String(36), index=True),
    Column("code", String(16)),
    Column("code_type", String(16)),
    Column("ref", String(38)),
    Column("related_expected", Boolean),
    Column("raw", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class StoredSubmission:
    message_id: str
    response_id: str | None
    employer_cui: str
    kind: str
    operation: str
    state: str
    result_code: str | None
    result_ref: str | None
    description: str | None


class RegesStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, checkfirst=True)

    @classmethod
    def from_url(cls, url: str) -> RegesStore:
        return cls(create_engine(url, pool_pre_ping=True))

    def get(self, message_id: str) -> StoredSubmission | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(submissions).where(submissions.c.message_id == message_id)).first()
        if r is None:
            return None
        m = r._mapping
        return StoredSubmission(m["message_id"], m["response_id"], m["employer_cui"], m["kind"], m["operation"], m["state"],
                                m["result_code"], m["result_ref"], m["description"])

    def begin(self, message_id: str, employer_cui: str, kind: str, operation: str) -> bool:
        """Row in state ``sending`` committed before the POST; False if it already existed."""
        now = _now()
        try:
            with self.engine.begin() as conn:
                conn.execute(submissions.insert().values(message_id=message_id, employer_cui=employer_cui, kind=kind,
                                                         operation=operation, state="sending", created_at=now, updated_at=now))
            return True
        except IntegrityError:
            return False

    def submitted(self, message_id: str, response_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(submissions).where(submissions.c.message_id == message_id)
                         .values(response_id=response_id, state="submitted", updated_at=_now()))

    def failed_before_receipt(self, message_id: str, description: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(submissions).where(submissions.c.message_id == message_id)
                         .values(state="failed", description=description[:2000], updated_at=_now()))

    def record_result(self, result: dict[str, Any]) -> StoredSubmission | None:
        """Store one drained ``MessageResult`` (idempotent) and move its submission to succeeded/failed."""
        raw = json.dumps(result, sort_keys=True, ensure_ascii=False)
        res = result.get("result") or {}
        response_id = str(result.get("responseId") or "")
        message_id = str((result.get("header") or {}).get("messageId") or "")
        try:
            with self.engine.begin() as conn:
                conn.execute(results.insert().values(
                    digest=hashlib.sha256(raw.encode()).hexdigest(), response_id=response_id, message_id=message_id,
                    code=res.get("code"), code_type=res.get("codeType"), ref=res.get("ref"),
                    related_expected=bool(res.get("relatedResultsExpected")), raw=raw, received_at=_now()))
        except IntegrityError:
            pass  # read again after a crash between persist and commit
        state = "succeeded" if res.get("code") == "SUCCES" else "failed"
        cond = submissions.c.response_id == response_id if response_id else submissions.c.message_id == message_id
        with self.engine.begin() as conn:
            row = conn.execute(select(submissions.c.message_id).where(cond)).first()
            if row is None:
                return None
            values: dict[str, Any] = {"state": state, "result_code": res.get("code"), "description": res.get("description"),
                                      "updated_at": _now()}
            if res.get("ref"):
                values["result_ref"] = res.get("ref")
            conn.execute(update(submissions).where(submissions.c.message_id == row[0]).values(**values))
        return self.get(row[0])
