"""The e-Factura rows of the shared outbox (``shared.outbox``, namespace ``efactura``), typed.

One row per (cif, invoice_key, xml_sha256); ``subject`` is ``cif|invoice_key`` (all versions of one invoice),
``scope`` the uploading CIF, ``ref`` the upload index once known. A delivery works on a row only under its
lease (``claim``): a second delivery of the same invoice, in this process or another replica, is told
``efactura_in_progress``. The lease belongs to the task id, so a redelivery of a killed task takes it back at
once and reconciles the ``uploading`` row instead of uploading again; any other owner waits for it to expire.

    new -> uploading -> uploaded -> accepted | rejected
              |            ^  (a duplicate answer adopts the earlier index and polls it)
              +-> upload_rejected (ANAF refused the upload itself; the same XML may be sent again)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from shared.errors import PermanentError, TransientError
from shared.outbox import Outbox, OutboxRow

__all__ = ["NAMESPACE", "TERMINAL", "EfacturaOutbox", "EfacturaRow"]

NAMESPACE = "efactura"
TERMINAL = frozenset({"accepted", "rejected"})
_REFILABLE = frozenset({"rejected", "upload_rejected"})
_STAMPS = ("intent_at", "uploaded_at")


@dataclass(frozen=True)
class EfacturaRow:
    id: int
    key: str
    invoice_key: str
    cif: str
    xml_sha256: str
    standard: str
    b2c: bool
    flags: dict[str, bool]
    xml_artifact: str | None
    status: str
    upload_index: int | None
    duplicate_index: int | None
    download_id: int | None
    anaf_state: str | None
    errors: list[str] | None
    zip_artifact: str | None
    zip_sha256: str | None
    signature: dict[str, Any] | None
    polls: int
    attempts: int
    intent_at: dt.datetime | None
    uploaded_at: dt.datetime | None
    finished_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    validated_with: list[dict[str, str]] | None = None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @classmethod
    def of(cls, row: OutboxRow) -> EfacturaRow:
        d = row.data
        stamps = {name: dt.datetime.fromisoformat(d[name]) if d.get(name) else None for name in _STAMPS}
        return cls(
            id=row.id,
            key=row.key,
            invoice_key=d["invoice_key"],
            cif=d["cif"],
            xml_sha256=row.content_sha256 or "",
            standard=d["standard"],
            b2c=bool(d.get("b2c")),
            flags=dict(d.get("flags") or {}),
            xml_artifact=d.get("xml_artifact"),
            status=row.state,
            upload_index=d.get("upload_index"),
            duplicate_index=d.get("duplicate_index"),
            download_id=d.get("download_id"),
            anaf_state=d.get("anaf_state"),
            errors=row.errors,
            zip_artifact=d.get("zip_artifact"),
            zip_sha256=d.get("zip_sha256"),
            signature=d.get("signature"),
            polls=int(d.get("polls") or 0),
            attempts=row.attempts,
            finished_at=row.finished_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            validated_with=d.get("validated_with"),
            **stamps,
        )


def _data(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in fields.items()}


class EfacturaOutbox:
    """e-Factura's view of the outbox: claim an invoice under a lease, move its row through the states."""

    def __init__(self, outbox: Outbox, *, lease_s: float = 300.0):
        self.box = outbox
        self.lease_s = lease_s

    def close(self) -> None:
        self.box.engine.dispose()

    @contextmanager
    def claim(
        self,
        *,
        invoice_key: str,
        cif: str,
        xml_sha256: str,
        standard: str,
        b2c: bool,
        flags: dict[str, bool],
        validated_with: list[dict[str, str]],
        owner: str,
    ) -> Iterator[EfacturaRow]:
        """The row of this exact content (created if new) under ``owner``'s lease for the ``with`` block.

        ``PermanentError`` (``efactura_conflict``) when other content of the invoice is live;
        ``TransientError`` (``efactura_in_progress``) when another delivery holds the row.
        """
        subject = f"{cif}|{invoice_key}"
        live = [
            r for r in self.box.find(subject=subject) if r.content_sha256 != xml_sha256 and r.state not in _REFILABLE
        ]
        if live:
            index = live[0].data.get("upload_index")
            raise PermanentError(
                f"invoice {invoice_key!r} of CIF {cif} is already filed with different content "
                f"(upload index {index}); correct it with a credit note",
                code="efactura_conflict",
                details={"outbox_id": live[0].id, "upload_index": index},
            )
        key = f"{subject}|{xml_sha256}"
        data = {
            "invoice_key": invoice_key,
            "cif": cif,
            "standard": standard,
            "b2c": b2c,
            "flags": flags,
            "validated_with": validated_with,
            "polls": 0,
        }
        self.box.open(key, scope=cif, subject=subject, content_sha256=xml_sha256, data=data)
        claimed = self.box.claim(key, owner, lease_s=self.lease_s, count_attempt=False)
        if claimed is None:
            raise TransientError(
                "this invoice is being submitted by another delivery", retry_after=10.0, code="efactura_in_progress"
            )
        try:
            yield EfacturaRow.of(claimed)
        finally:
            self.box.release(key, owner)

    def get(self, outbox_id: int) -> EfacturaRow:
        row = self.box.by_id(outbox_id)
        if row is None:
            raise PermanentError(f"no e-Factura outbox row {outbox_id}", code="efactura_unknown")
        return EfacturaRow.of(row)

    def known_indexes(self, cif: str) -> set[int]:
        rows = self.box.find(scope=cif)
        return {v for r in rows for v in (r.data.get("upload_index"), r.data.get("duplicate_index")) if v is not None}

    def update(
        self,
        row: EfacturaRow,
        *,
        status: str | None = None,
        errors: list[str] | None = None,
        finished: bool = False,
        count_attempt: bool = False,
        **fields: Any,
    ) -> EfacturaRow:
        """Set the row's state and fields (committed at once)."""
        changes: dict[str, Any] = {"data": _data(fields), "finished": finished, "count_attempt": count_attempt}
        if status is not None:
            changes["state"] = status
        if errors is not None:
            changes["errors"] = errors
        if "upload_index" in fields:
            changes["ref"] = None if fields["upload_index"] is None else str(fields["upload_index"])
        updated = self.box.update(row.key, **changes)
        if updated is None:
            raise PermanentError(f"no e-Factura outbox row {row.id}", code="efactura_unknown")
        return EfacturaRow.of(updated)

    def mark_intent(self, row: EfacturaRow) -> EfacturaRow:
        """Committed before the POST: from here on the outcome of an interrupted upload is unknown."""
        return self.update(row, status="uploading", count_attempt=True, intent_at=self.box.now())
