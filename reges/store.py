"""The REGES rows of the shared outbox (``shared.outbox``): MessageId <-> ResponseId of every submission, and
every result drained.

Namespace ``reges``: one row per message, keyed by its MessageId, ``scope`` the employer CUI, ``ref`` the
ResponseId once REGES gave it; states ``sending`` (committed before the POST) -> ``submitted`` -> ``succeeded`` |
``failed``. Namespace ``reges-results``: one row per distinct result read from the queue (keyed by its digest,
so a result read again after a crash between persist and commit is stored once).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from shared.outbox import Outbox, OutboxRow, open_outbox

__all__ = ["NAMESPACE", "RESULTS", "RegesStore", "StoredSubmission"]

NAMESPACE = "reges"
RESULTS = "reges-results"


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

    @classmethod
    def of(cls, row: OutboxRow) -> StoredSubmission:
        d = row.data
        return cls(
            row.key,
            row.ref,
            row.scope or "",
            d["kind"],
            d["operation"],
            row.state,
            d.get("result_code"),
            d.get("result_ref"),
            d.get("description"),
        )


class RegesStore:
    """Submissions and drained results of one worker (the engine is shared, thread-safe, per process)."""

    def __init__(self, submissions: Outbox, results: Outbox):
        self.submissions = submissions
        self.results = results

    @classmethod
    def open(cls, url: str, *, environment: str) -> RegesStore:
        """The store at ``url`` (PostgreSQL; SQLite only in development), checked against the migrations."""
        box = open_outbox(url, NAMESPACE, environment=environment)
        return cls(box, Outbox(box.engine, RESULTS))

    def close(self) -> None:
        self.submissions.engine.dispose()

    def get(self, message_id: str) -> StoredSubmission | None:
        row = self.submissions.get(message_id)
        return StoredSubmission.of(row) if row is not None else None

    def begin(self, message_id: str, employer_cui: str, kind: str, operation: str) -> bool:
        """Row in state ``sending`` committed before the POST; False if it already existed."""
        _row, created = self.submissions.open(
            message_id, state="sending", scope=employer_cui, data={"kind": kind, "operation": operation}
        )
        return created

    def submitted(self, message_id: str, response_id: str) -> None:
        self.submissions.update(message_id, state="submitted", ref=response_id)

    def failed_before_receipt(self, message_id: str, description: str) -> None:
        self.submissions.complete(message_id, "failed", data={"description": description[:2000]})

    def record_result(self, result: dict[str, Any]) -> StoredSubmission | None:
        """Store one drained ``MessageResult`` (idempotent) and move its submission to succeeded/failed."""
        raw = json.dumps(result, sort_keys=True, ensure_ascii=False)
        res = result.get("result") or {}
        response_id = str(result.get("responseId") or "")
        message_id = str((result.get("header") or {}).get("messageId") or "")
        self.results.open(
            hashlib.sha256(raw.encode()).hexdigest(),
            state="received",
            subject=message_id or None,
            data={"response_id": response_id, "result": result},
        )
        found = self.submissions.find(ref=response_id) if response_id else []
        row = found[0] if found else (self.submissions.get(message_id) if message_id and not response_id else None)
        if row is None:
            return None
        data: dict[str, Any] = {"result_code": res.get("code"), "description": res.get("description")}
        if res.get("ref"):
            data["result_ref"] = res.get("ref")
        state = "succeeded" if res.get("code") == "SUCCES" else "failed"
        self.submissions.complete(row.key, state, data=data)
        return self.get(row.key)
