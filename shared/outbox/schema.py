"""The outbox table, shared by every worker that files something exactly once (one row per idempotency key).

A row belongs to a ``namespace`` (``efactura``, ``etransport``, ``reges``) and is unique by ``key`` inside it.
``scope`` is the party the remote lists messages by (a CIF, an employer CUI), ``subject`` the business
identity several versions of a document share (an invoice number), ``ref`` the remote's id once known (an
upload index, a response id). Domain fields live in ``data`` (JSON). ``lease_owner``/``lease_until`` make a
claim: while the lease runs, nobody else may act on the row; a crashed holder's lease simply expires.
The table is created and changed only by the Alembic migrations in ``shared/outbox/migrations``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

__all__ = ["VERSION_TABLE", "metadata", "outbox"]

#: Alembic's version table of this package (other packages keep their own)
VERSION_TABLE = "workers_core_outbox_version"

metadata = MetaData()
_json = JSON().with_variant(JSONB(), "postgresql")

outbox = Table(
    "workers_core_outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("namespace", String(64), nullable=False),
    Column("key", String(400), nullable=False),
    Column("scope", String(64)),
    Column("subject", String(400)),
    Column("content_sha256", String(64)),
    Column("state", String(32), nullable=False),
    Column("ref", String(64)),
    Column("data", _json, nullable=False),
    Column("errors", _json),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("lease_owner", String(200)),
    Column("lease_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    UniqueConstraint("namespace", "key", name="workers_core_outbox_key"),
    Index("workers_core_outbox_scope", "namespace", "scope"),
    Index("workers_core_outbox_subject", "namespace", "subject"),
    Index("workers_core_outbox_ref", "namespace", "ref"),
    Index("workers_core_outbox_state", "namespace", "state"),
)
