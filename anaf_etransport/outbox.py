"""The e-Transport rows of the shared outbox (``shared.outbox``, namespace ``etransport``), typed.

One row per declaration (its idempotency key), written before the upload, so nothing is filed twice and any
replica can poll it. ``scope`` is the CIF filed for, ``ref`` ANAF's upload index once known; the rest lives in
``data``. States: ``pending`` (row committed, not sent) -> ``uploading`` (committed right before the POST) ->
``uploaded`` (index and UIT recorded) -> ``ok`` | ``nok``. A row left in ``uploading`` means the outcome of a
POST is unknown (crash, timeout): it is reconciled against ANAF's message list, never blindly re-sent. Every
transition is a compare-and-set on the state, so exactly one caller wins it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from shared.outbox import Outbox, OutboxRow, open_outbox

__all__ = ["NAMESPACE", "EtransportOutbox", "Submission"]

NAMESPACE = "etransport"


@dataclass
class Submission:
    key: str
    cif: str
    kind: str
    xml_sha256: str
    declarant_ref: str | None
    xml_artifact: str | None
    state: str
    index_incarcare: int | None = None
    uit: str | None = None
    errors: list[str] = field(default_factory=list)
    polls: int = 0
    upload_started_at: dt.datetime | None = None

    @classmethod
    def of(cls, row: OutboxRow) -> Submission:
        d = row.data
        started = d.get("upload_started_at")
        return cls(
            key=row.key,
            cif=row.scope or "",
            kind=d["kind"],
            xml_sha256=row.content_sha256 or "",
            declarant_ref=d.get("declarant_ref"),
            xml_artifact=d.get("xml_artifact"),
            state=row.state,
            index_incarcare=int(row.ref) if row.ref else None,
            uit=d.get("uit"),
            errors=list(row.errors or []),
            polls=int(d.get("polls") or 0),
            upload_started_at=dt.datetime.fromisoformat(started) if started else None,
        )


class EtransportOutbox:
    """Row-level state transitions of the e-Transport namespace; each method is one short transaction."""

    def __init__(self, box: Outbox):
        self.box = box

    @classmethod
    def open(cls, url: str, *, environment: str) -> EtransportOutbox:
        """The outbox at ``url`` (PostgreSQL; SQLite only in development), checked against the migrations."""
        return cls(open_outbox(url, NAMESPACE, environment=environment))

    def close(self) -> None:
        self.box.engine.dispose()

    def get(self, key: str) -> Submission | None:
        row = self.box.get(key)
        return Submission.of(row) if row is not None else None

    def get_or_create(self, sub: Submission) -> tuple[Submission, bool]:
        """The stored row for ``sub.key`` (created as ``pending`` if new) and whether it was created."""
        row, created = self.box.open(
            sub.key,
            state="pending",
            scope=sub.cif,
            content_sha256=sub.xml_sha256,
            data={"kind": sub.kind, "declarant_ref": sub.declarant_ref, "xml_artifact": sub.xml_artifact, "polls": 0},
        )
        return Submission.of(row), created

    def start_upload(self, key: str) -> bool:
        """``pending`` -> ``uploading``; True only for the caller that may send the document."""
        started = self.box.now().isoformat()
        return (
            self.box.update(key, expect={"pending"}, state="uploading", data={"upload_started_at": started}) is not None
        )

    def upload_not_sent(self, key: str) -> None:
        """The POST never left (connect error): back to ``pending``."""
        self.box.update(key, expect={"uploading"}, state="pending", data={"upload_started_at": None})

    def uploaded(self, key: str, index: int, uit: str | None) -> None:
        self.box.update(key, expect={"uploading", "pending"}, state="uploaded", ref=str(index), data={"uit": uit})

    def finish(
        self, key: str, state: str, errors: list[str] | None = None, *, index: int | None = None, uit: str | None = None
    ) -> bool:
        """-> ``ok``/``nok``; False when another process finished it first (so events go out once)."""
        data = {"uit": uit} if uit is not None else None
        ref = str(index) if index is not None else None
        row = self.box.complete(
            key,
            state,
            expect={"uploading", "uploaded", "pending"},
            errors=errors or [],
            data=data,
            **({"ref": ref} if ref is not None else {}),
        )
        return row is not None

    def count_poll(self, key: str, polls: int) -> None:
        self.box.update(key, data={"polls": polls})
