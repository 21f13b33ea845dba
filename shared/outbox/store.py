"""``Outbox``: the rows of one namespace, each change one short transaction (open, claim, update, complete).

Every filing worker keeps its exactly-once state here::

    box = Outbox(engine, "etransport")
    row, created = box.open(key, scope=cif, content_sha256=sha, data={"kind": "notificare"})
    row = box.claim(key, owner=task_id, lease_s=300, states={"new"}, to_state="uploading")
    if row is None: ...                           # someone else holds it, or it is past "new"
    box.complete(key, "uploaded", owner=task_id, ref=str(index), data={"uit": uit})

A claim is a lease: while it runs only its owner may change the row; when the owner dies the lease expires
and the next claimer reconciles from the row's state. ``update``/``complete`` are compare-and-set on the state
(``expect``) and on the lease owner (``owner``): they answer ``None`` when the row moved on without them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, RowMapping

from shared.outbox.database import translate
from shared.outbox.schema import outbox

__all__ = ["UNSET", "Outbox", "OutboxRow"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "leave this column as it is" (``None`` means: set it to NULL)
UNSET: Any = _Unset()


@dataclass(frozen=True)
class OutboxRow:
    id: int
    namespace: str
    key: str
    scope: str | None
    subject: str | None
    content_sha256: str | None
    state: str
    ref: str | None
    data: dict[str, Any]
    errors: list[str] | None
    attempts: int
    lease_owner: str | None
    lease_until: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    finished_at: dt.datetime | None

    def leased(self, now: dt.datetime) -> bool:
        """Whether a claim on the row still runs at ``now``."""
        return self.lease_until is not None and self.lease_until > now


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone
        return value.replace(tzinfo=dt.UTC)
    return value


def _row(m: RowMapping) -> OutboxRow:
    values = dict(m)
    for name in ("lease_until", "created_at", "updated_at", "finished_at"):
        values[name] = _utc(values[name])
    values["data"] = dict(values["data"] or {})
    return OutboxRow(**values)


class Outbox:
    """The rows of ``namespace`` in the outbox table (the engine is shared, thread-safe, per process)."""

    def __init__(self, engine: Engine, namespace: str, *, clock: Callable[[], float] = time.time):
        self.engine = engine
        self.namespace = namespace
        self._clock = clock

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)

    def _select(self) -> Select[Any]:
        return select(outbox).where(outbox.c.namespace == self.namespace)

    # --- reading ------------------------------------------------------------------------------------
    def get(self, key: str) -> OutboxRow | None:
        return self._one(self._select().where(outbox.c.key == key))

    def by_id(self, row_id: int) -> OutboxRow | None:
        return self._one(self._select().where(outbox.c.id == row_id))

    def find(
        self,
        *,
        scope: str | None = None,
        subject: str | None = None,
        ref: str | None = None,
        states: Collection[str] | None = None,
    ) -> list[OutboxRow]:
        """Rows matching every filter given, oldest first."""
        query = self._select()
        for column, value in ((outbox.c.scope, scope), (outbox.c.subject, subject), (outbox.c.ref, ref)):
            if value is not None:
                query = query.where(column == value)
        if states is not None:
            query = query.where(outbox.c.state.in_(list(states)))
        with translate(), self.engine.connect() as conn:
            return [_row(m) for m in conn.execute(query.order_by(outbox.c.id)).mappings()]

    def _one(self, query: Select[Any]) -> OutboxRow | None:
        with translate(), self.engine.connect() as conn:
            found = conn.execute(query).mappings().first()
        return _row(found) if found is not None else None

    # --- writing ------------------------------------------------------------------------------------
    def open(
        self,
        key: str,
        *,
        state: str = "new",
        scope: str | None = None,
        subject: str | None = None,
        content_sha256: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> tuple[OutboxRow, bool]:
        """The row of ``key``, inserted in ``state`` if absent; and whether this call created it."""
        now = self.now()
        values = {
            "namespace": self.namespace,
            "key": key,
            "scope": scope,
            "subject": subject,
            "content_sha256": content_sha256,
            "state": state,
            "data": dict(data or {}),
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        with translate(), self.engine.begin() as conn:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            statement = (
                insert(outbox)
                .values(**values)
                .on_conflict_do_nothing(index_elements=[outbox.c.namespace, outbox.c.key])
                .returning(*outbox.c)
            )
            created = conn.execute(statement).mappings().first()
            if created is not None:
                return _row(created), True
            found = conn.execute(self._select().where(outbox.c.key == key)).mappings().one()
            return _row(found), False

    def claim(
        self,
        key: str,
        owner: str,
        *,
        lease_s: float,
        states: Collection[str] | None = None,
        to_state: str | None = None,
        count_attempt: bool = True,
    ) -> OutboxRow | None:
        """Take the lease of ``key`` for ``owner`` (and move it to ``to_state``); ``None`` if not possible now.

        Refused while another owner's lease runs, or when the row is not in one of ``states``. The owner's own
        running lease is renewed. A successful claim counts one attempt unless ``count_attempt`` is False (a
        lease that only guards the row, the attempt being counted when something is actually sent).
        """
        now = self.now()
        with translate(), self.engine.begin() as conn:
            current = self._locked(conn, key)
            if current is None or (states is not None and current.state not in states):
                return None
            if current.leased(now) and current.lease_owner != owner:
                return None
            changes: dict[str, Any] = {
                "lease_owner": owner,
                "lease_until": now + dt.timedelta(seconds=lease_s),
                "attempts": current.attempts + (1 if count_attempt else 0),
            }
            if to_state is not None:
                changes["state"] = to_state
            return self._write(conn, current, changes, now)

    def claim_next(
        self,
        owner: str,
        *,
        lease_s: float,
        states: Collection[str],
        to_state: str | None = None,
        scope: str | None = None,
    ) -> OutboxRow | None:
        """Claim the oldest row in ``states`` whose lease is free (concurrent claimers never get the same row)."""
        now = self.now()
        query = self._select().where(
            outbox.c.state.in_(list(states)), or_(outbox.c.lease_until.is_(None), outbox.c.lease_until <= now)
        )
        if scope is not None:
            query = query.where(outbox.c.scope == scope)
        with translate(), self.engine.begin() as conn:
            locked = query.order_by(outbox.c.id).limit(1)
            if conn.dialect.name == "postgresql":
                locked = locked.with_for_update(skip_locked=True)
            found = conn.execute(locked).mappings().first()
            if found is None:
                return None
            current = _row(found)
            changes: dict[str, Any] = {
                "lease_owner": owner,
                "lease_until": now + dt.timedelta(seconds=lease_s),
                "attempts": current.attempts + 1,
            }
            if to_state is not None:
                changes["state"] = to_state
            return self._write(conn, current, changes, now)

    def update(
        self,
        key: str,
        *,
        expect: Collection[str] | None = None,
        owner: str | None = None,
        state: str = UNSET,
        ref: str | None = UNSET,
        data: Mapping[str, Any] | None = None,
        errors: list[str] | None = UNSET,
        release: bool = False,
        finished: bool = False,
        count_attempt: bool = False,
    ) -> OutboxRow | None:
        """Change the row (``data`` is merged into the stored one); ``None`` when the row moved on.

        ``expect``: the row must be in one of these states. ``owner``: the row must not be leased by anyone
        else. ``release`` ends the lease; ``finished`` stamps ``finished_at``; ``count_attempt`` adds one attempt.
        """
        now = self.now()
        with translate(), self.engine.begin() as conn:
            current = self._locked(conn, key)
            if current is None or (expect is not None and current.state not in expect):
                return None
            if owner is not None and current.leased(now) and current.lease_owner != owner:
                return None
            changes: dict[str, Any] = {}
            if state is not UNSET:
                changes["state"] = state
            if ref is not UNSET:
                changes["ref"] = ref
            if errors is not UNSET:
                changes["errors"] = errors
            if data:
                changes["data"] = {**current.data, **data}
            if release:
                changes.update(lease_owner=None, lease_until=None)
            if finished:
                changes["finished_at"] = now
            if count_attempt:
                changes["attempts"] = current.attempts + 1
            return self._write(conn, current, changes, now)

    def complete(
        self,
        key: str,
        state: str,
        *,
        owner: str | None = None,
        expect: Collection[str] | None = None,
        ref: str | None = UNSET,
        data: Mapping[str, Any] | None = None,
        errors: list[str] | None = UNSET,
    ) -> OutboxRow | None:
        """The row reached ``state`` for good: stamped finished, lease released (compare-and-set as ``update``)."""
        return self.update(
            key, expect=expect, owner=owner, state=state, ref=ref, data=data, errors=errors, release=True, finished=True
        )

    def release(self, key: str, owner: str, *, state: str = UNSET) -> OutboxRow | None:
        """End ``owner``'s lease (optionally moving the row back, e.g. to ``new`` when nothing was sent)."""
        return self.update(key, owner=owner, state=state, release=True)

    # --- internals ----------------------------------------------------------------------------------
    def _locked(self, conn: Connection, key: str) -> OutboxRow | None:
        query = self._select().where(outbox.c.key == key)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        found = conn.execute(query).mappings().first()
        return _row(found) if found is not None else None

    def _write(self, conn: Connection, current: OutboxRow, changes: dict[str, Any], now: dt.datetime) -> OutboxRow:
        statement = (
            outbox.update()
            .where(and_(outbox.c.id == current.id))
            .values(**changes, updated_at=now)
            .returning(*outbox.c)
        )
        return _row(conn.execute(statement).mappings().one())
