"""The submission outbox (SQLAlchemy): one row per declaration, written before the upload, so nothing is filed twice.

States: ``pending`` (row committed, not sent) -> ``uploading`` (committed right before the POST) ->
``uploaded`` (index and UIT recorded) -> ``ok`` | ``nok``. A row left in ``uploading`` means the
outcome of a POST is unknown (crash, timeout): it is reconciled against ANAF's message list, never
blindly re-sent.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

__all__ = ["Outbox", "Submission"]

metadata = MetaData()
submissions = Table(
    "etransport_submissions",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("cif", String(13), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("xml_sha256", String(64), nullable=False),
    Column("declarant_ref", String(50)),
    Column("xml_artifact", String(512)),
    Column("state", String(16), nullable=False),
    Column("index_incarcare", BigInteger),
    Column("uit", String(16)),
    Column("errors", Text),
    Column("polls", Integer, nullable=False, default=0),
    Column("upload_started_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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


def _row(r: Any) -> Submission:
    m = r._mapping
    started = m["upload_started_at"]
    if started is not None and started.tzinfo is None:  # SQLite drops the zone
        started = started.replace(tzinfo=dt.UTC)
    return Submission(
        key=m["key"], cif=m["cif"], kind=m["kind"], xml_sha256=m["xml_sha256"], declarant_ref=m["declarant_ref"],
        xml_artifact=m["xml_artifact"], state=m["state"], index_incarcare=m["index_incarcare"], uit=m["uit"],
        errors=json.loads(m["errors"]) if m["errors"] else [], polls=m["polls"] or 0, upload_started_at=started,
    )


class Outbox:
    """Row-level state transitions; each method is one short transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, checkfirst=True)

    @classmethod
    def from_url(cls, url: str) -> Outbox:
        return cls(create_engine(url, pool_pre_ping=True, future=True))

    def get(self, key: str) -> Submission | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(submissions).where(submissions.c.key == key)).first()
        return _row(r) if r else None

    def get_or_create(self, sub: Submission) -> tuple[Submission, bool]:
        """The stored row for ``sub.key`` (created as ``pending`` if new) and whether it was created."""
        now = _now()
        try:
            with self.engine.begin() as conn:
                conn.execute(submissions.insert().values(
                    key=sub.key, cif=sub.cif, kind=sub.kind, xml_sha256=sub.xml_sha256, declarant_ref=sub.declarant_ref,
                    xml_artifact=sub.xml_artifact, state="pending", polls=0, created_at=now, updated_at=now,
                ))
            created = True
        except IntegrityError:
            created = False
        stored = self.get(sub.key)
        assert stored is not None
        return stored, created

    def _update(self, key: str, *, expect: tuple[str, ...] | None = None, **values: Any) -> bool:
        values["updated_at"] = _now()
        if "errors" in values:
            values["errors"] = json.dumps(values["errors"], ensure_ascii=False)
        stmt = update(submissions).where(submissions.c.key == key)
        if expect:
            stmt = stmt.where(submissions.c.state.in_(expect))
        with self.engine.begin() as conn:
            return bool(conn.execute(stmt.values(**values)).rowcount)

    def start_upload(self, key: str) -> bool:
        """``pending`` -> ``uploading``; True only for the caller that may send the document."""
        return self._update(key, expect=("pending",), state="uploading", upload_started_at=_now())

    def upload_not_sent(self, key: str) -> None:
        """The POST never left (connect error): back to ``pending``."""
        self._update(key, expect=("uploading",), state="pending", upload_started_at=None)

    def uploaded(self, key: str, index: int, uit: str | None) -> None:
        self._update(key, expect=("uploading", "pending"), state="uploaded", index_incarcare=index, uit=uit)

    def finish(self, key: str, state: str, errors: list[str] | None = None, *, index: int | None = None,
               uit: str | None = None) -> bool:
        """-> ``ok``/``nok``; False when another process finished it first (so events go out once)."""
        values: dict[str, Any] = {"state": state, "errors": errors or []}
        if index is not None:
            values["index_incarcare"] = index
        if uit is not None:
            values["uit"] = uit
        return self._update(key, expect=("uploading", "uploaded", "pending"), **values)

    def count_poll(self, key: str, polls: int) -> None:
        self._update(key, polls=polls)
