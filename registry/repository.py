"""SQL data functions over ``worker_status`` (keyword-only, synchronous; the service runs them in threads)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, and_, delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from registry.models import WorkerStatus

__all__ = [
    "ROW_FIELDS",
    "count_rows",
    "delete_instances",
    "delete_tag",
    "load_keys",
    "load_rows",
    "load_tags",
    "set_status",
    "upsert_rows",
]

T: Table = WorkerStatus.__table__  # type: ignore[assignment]

#: Columns of a row dict, in table order.
ROW_FIELDS: tuple[str, ...] = tuple(c.name for c in T.columns)
#: a unique violation from a concurrent insert of the same new row is retried this many times in all
_UPSERT_ATTEMPTS = 3
_UNIQUE_VIOLATION = "23505"
_UPDATABLE = tuple(name for name in ROW_FIELDS if name not in ("id", "tag", "instance_id"))


def upsert_rows(engine: Engine, rows: Sequence[Mapping[str, Any]], *, only_newer: bool = True) -> int:
    """Insert or update rows keyed by (tag, instance_id); with ``only_newer`` an older ``last_seen`` loses."""
    if not rows:
        return 0
    dialect = engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(T)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[T.c.tag, T.c.instance_id],
        set_={name: excluded[name] for name in _UPDATABLE},
        where=(T.c.last_seen <= excluded.last_seen) if only_newer else None,
    )
    # rows locked in one order by every writer (flushes of several processes, registrations): no deadlock cycle
    ordered = sorted((dict(r) for r in rows), key=lambda r: (r["tag"], r["instance_id"]))
    for attempt in range(1, _UPSERT_ATTEMPTS + 1):
        try:
            with engine.begin() as conn:
                conn.execute(stmt, ordered)
            return len(rows)
        except IntegrityError as exc:
            # ON CONFLICT arbitrates on (tag, instance_id) only: two writers inserting the same new instance at
            # once (a registration and a flush, or two API processes) can both pass that check, and the later
            # one then hits the primary key (same id) instead of updating. Once the first has committed, the
            # same statement takes the update path: run it again.
            if getattr(exc.orig, "sqlstate", None) != _UNIQUE_VIOLATION or attempt == _UPSERT_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def load_rows(
    engine: Engine, *, tag: str | None = None, keys: Sequence[tuple[str, str]] | None = None
) -> list[dict[str, Any]]:
    """Every row (or the rows of ``tag``, or those of the (tag, instance_id) ``keys``) as dicts."""
    query = select(T)
    if tag is not None:
        query = query.where(T.c.tag == tag)
    if keys is not None and len(keys) <= 500:  # beyond that, reading everything is cheaper than the IN list
        query = query.where(tuple_(T.c.tag, T.c.instance_id).in_(list(keys)))
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def load_tags(engine: Engine) -> list[str]:
    """The distinct tags that have rows."""
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(select(T.c.tag).distinct())]


def load_keys(engine: Engine, *, tag: str | None = None) -> list[tuple[str, str, str, datetime]]:
    """(tag, instance_id, id, last_seen) of every row (or of ``tag``): the cheap half of a read."""
    query = select(T.c.tag, T.c.instance_id, T.c.id, T.c.last_seen)
    if tag is not None:
        query = query.where(T.c.tag == tag)
    with engine.connect() as conn:
        return [(r[0], r[1], r[2], r[3]) for r in conn.execute(query)]


def count_rows(engine: Engine, *, tag: str | None = None) -> int:
    query = select(func.count()).select_from(T)
    if tag is not None:
        query = query.where(T.c.tag == tag)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def set_status(
    engine: Engine,
    *,
    tag: str,
    instance_id: str,
    status: str,
    reason: str | None,
    since: datetime,
    updated_at: datetime,
    expected_status: str | None = None,
    seen_not_after: datetime | None = None,
) -> bool:
    """Conditionally change the status of one row; False when the row is gone or the condition failed."""
    conditions = [T.c.tag == tag, T.c.instance_id == instance_id]
    if expected_status is not None:
        conditions.append(T.c.status == expected_status)
    if seen_not_after is not None:
        conditions.append(T.c.last_seen <= seen_not_after)
    values: dict[str, Any] = {"status": status, "reason": reason, "updated_at": updated_at}
    values["status_since"] = since
    with engine.begin() as conn:
        result = conn.execute(update(T).where(and_(*conditions)).values(**values))
    return bool(result.rowcount)


def delete_instances(engine: Engine, items: Iterable[tuple[str, str]], *, stopped_before: datetime) -> int:
    """Delete (tag, instance_id) rows still ``stopped`` since before ``stopped_before`` (purge)."""
    items = list(items)
    if not items:
        return 0
    with engine.begin() as conn:
        result = conn.execute(
            delete(T).where(
                tuple_(T.c.tag, T.c.instance_id).in_(items),
                T.c.status == "stopped",
                T.c.status_since <= stopped_before,
            )
        )
    return int(result.rowcount)


def delete_tag(engine: Engine, tag: str) -> int:
    with engine.begin() as conn:
        result = conn.execute(delete(T).where(T.c.tag == tag))
    return int(result.rowcount)
