"""The e-Factura outbox in PostgreSQL: the intent is committed before the POST, the index right after.

One row per (cif, invoice_key, xml_sha256). ``claim`` runs under a session advisory lock per invoice so
two deliveries of the same invoice never upload in parallel; the lock dies with the connection, so a
killed worker frees it at once and the redelivered task finds the row in ``uploading`` (outcome unknown)
and reconciles instead of uploading again.

    new -> uploading -> uploaded -> accepted | rejected
              |            ^  (a duplicate answer adopts the earlier index and polls it)
              +-> upload_rejected (ANAF refused the upload itself; the same XML may be sent again)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from shared.errors import PermanentError, TransientError

__all__ = ["TERMINAL", "Outbox", "OutboxRow"]

TERMINAL = frozenset({"accepted", "rejected"})
_SCHEMA_LOCK = 0x65_66_61_63_74  # advisory lock key of the outbox DDL ("efact")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS efactura_outbox (
    id BIGSERIAL PRIMARY KEY,
    invoice_key TEXT NOT NULL,
    cif TEXT NOT NULL,
    xml_sha256 TEXT NOT NULL,
    standard TEXT NOT NULL,
    b2c BOOLEAN NOT NULL DEFAULT FALSE,
    flags JSONB NOT NULL DEFAULT '{}',
    xml_artifact TEXT,
    status TEXT NOT NULL,
    upload_index BIGINT,
    duplicate_index BIGINT,
    download_id BIGINT,
    anaf_state TEXT,
    errors JSONB,
    zip_artifact TEXT,
    zip_sha256 TEXT,
    signature JSONB,
    polls INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    intent_at TIMESTAMPTZ,
    uploaded_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (cif, invoice_key, xml_sha256)
);
CREATE INDEX IF NOT EXISTS efactura_outbox_index ON efactura_outbox (upload_index);
ALTER TABLE efactura_outbox ADD COLUMN IF NOT EXISTS validated_with JSONB;
"""


@dataclass(frozen=True)
class OutboxRow:
    id: int
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


def _lock_key(cif: str, invoice_key: str) -> int:
    digest = hashlib.sha256(f"efactura|{cif}|{invoice_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Outbox:
    """Rows of the outbox over one psycopg connection (per worker process; calls are serialised)."""

    def __init__(self, dsn: str):
        self._dsn = dsn
        self._conn: psycopg.Connection[Any] | None = None
        self._mutex = threading.RLock()
        self._held: set[int] = set()

    # --- connection ---------------------------------------------------------------------------------
    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            try:
                self._conn = psycopg.connect(self._dsn, autocommit=True, row_factory=dict_row, connect_timeout=5)
                with self._conn.transaction():  # one process at a time: concurrent DDL races in the catalog
                    self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                    self._conn.execute(_SCHEMA)
            except psycopg.OperationalError as exc:
                self._conn = None
                raise TransientError(f"outbox database unavailable: {exc}", code="outbox_unavailable") from exc
        return self._conn

    @contextmanager
    def _db(self) -> Iterator[psycopg.Connection[Any]]:
        with self._mutex:
            conn = self._connection()
            try:
                yield conn
            except psycopg.OperationalError as exc:
                self.close()
                raise TransientError(f"outbox database unavailable: {exc}", code="outbox_unavailable") from exc

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    # --- locking --------------------------------------------------------------------------------------
    @contextmanager
    def invoice_lock(self, cif: str, invoice_key: str) -> Iterator[None]:
        """Session advisory lock of one invoice; ``TransientError`` if another delivery holds it."""
        key = _lock_key(cif, invoice_key)
        busy = TransientError(
            "this invoice is being submitted by another delivery", retry_after=10.0, code="efactura_in_progress"
        )
        with self._mutex:  # advisory locks are re-entrant per session: threads of this process check here
            if key in self._held:
                raise busy
            self._held.add(key)
        try:
            with self._db() as conn:
                got = conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (key,)).fetchone()
            if not got or not got["ok"]:
                raise busy
            try:
                yield
            finally:
                with self._db() as conn:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        finally:
            with self._mutex:
                self._held.discard(key)

    # --- rows -----------------------------------------------------------------------------------------
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
    ) -> OutboxRow:
        """The row of this exact invoice content, created if new; refuses different live content."""
        with self._db() as conn, conn.transaction():
            rows = conn.execute(
                "SELECT * FROM efactura_outbox WHERE cif = %s AND invoice_key = %s FOR UPDATE", (cif, invoice_key)
            ).fetchall()
            same = [r for r in rows if r["xml_sha256"] == xml_sha256]
            if same:
                return OutboxRow(**same[0])
            live = [r for r in rows if r["status"] not in ("rejected", "upload_rejected")]
            if live:
                raise PermanentError(
                    f"invoice {invoice_key!r} of CIF {cif} is already filed with different content "
                    f"(upload index {live[0]['upload_index']}); correct it with a credit note",
                    code="efactura_conflict",
                    details={"outbox_id": live[0]["id"], "upload_index": live[0]["upload_index"]},
                )
            row = conn.execute(
                "INSERT INTO efactura_outbox (invoice_key, cif, xml_sha256, standard, b2c, flags, status, validated_with) "
                "VALUES (%s, %s, %s, %s, %s, %s, 'new', %s) RETURNING *",
                (invoice_key, cif, xml_sha256, standard, b2c, Jsonb(flags), Jsonb(validated_with)),
            ).fetchone()
            assert row is not None
            return OutboxRow(**row)

    def get(self, outbox_id: int) -> OutboxRow:
        with self._db() as conn:
            row = conn.execute("SELECT * FROM efactura_outbox WHERE id = %s", (outbox_id,)).fetchone()
        if row is None:
            raise PermanentError(f"no e-Factura outbox row {outbox_id}", code="efactura_unknown")
        return OutboxRow(**row)

    def known_indexes(self, cif: str) -> set[int]:
        with self._db() as conn:
            rows = conn.execute(
                "SELECT upload_index, duplicate_index FROM efactura_outbox WHERE cif = %s", (cif,)
            ).fetchall()
        return {v for r in rows for v in (r["upload_index"], r["duplicate_index"]) if v is not None}

    def update(self, outbox_id: int, **fields: Any) -> OutboxRow:
        """Set columns (committed at once); ``now`` stamps ``updated_at``."""
        values = {
            k: Jsonb(v) if k in ("flags", "errors", "signature") and v is not None else v for k, v in fields.items()
        }
        assignments = ", ".join(f"{k} = %({k})s" for k in values)
        with self._db() as conn:
            row = conn.execute(
                f"UPDATE efactura_outbox SET {assignments}, updated_at = now() WHERE id = %(id)s RETURNING *",  # noqa: S608 - column names are ours
                {**values, "id": outbox_id},
            ).fetchone()
        if row is None:
            raise PermanentError(f"no e-Factura outbox row {outbox_id}", code="efactura_unknown")
        return OutboxRow(**row)

    def mark_intent(self, outbox_id: int) -> OutboxRow:
        """Committed before the POST: from here on the outcome of an interrupted upload is unknown."""
        with self._db() as conn:
            row = conn.execute(
                "UPDATE efactura_outbox SET status = 'uploading', intent_at = now(), attempts = attempts + 1, "
                "updated_at = now() WHERE id = %s RETURNING *",
                (outbox_id,),
            ).fetchone()
        assert row is not None
        return OutboxRow(**row)
