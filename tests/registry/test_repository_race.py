"""Concurrent upserts of the same new instance (a registration's write-through in an API process racing the
write-behind flush of the jobs process, or of another API process) must both land, not raise.

PostgreSQL's ``INSERT ... ON CONFLICT (tag, instance_id)`` only arbitrates on that index: two statements that
insert the same new row at once can pass the arbiter check together, and the second then fails on the primary
key (same ``id``) with a unique violation instead of updating. Found by bench/registry_heartbeats.py with two API
processes and the jobs process apart (a 500 on registration).
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine

from registry import repository
from tests.registry.helpers import status_row

pytestmark = pytest.mark.usefixtures("clean_registry")

WRITERS = 4
ROWS = 150


def test_writers_racing_on_a_new_instance_all_land(registry_pg_url: str) -> None:
    engines = [create_engine(registry_pg_url, pool_size=1) for _ in range(WRITERS)]
    base = datetime.now(UTC)
    ids = [str(uuid.uuid4()) for _ in range(ROWS)]
    barrier = threading.Barrier(WRITERS)
    errors: list[Exception] = []

    def writer(w: int) -> None:
        for i in range(ROWS):
            barrier.wait()
            try:  # the same row (same id) from every writer at once, each a little newer
                seen = base + timedelta(microseconds=w)
                repository.upsert_rows(engines[w], [status_row("pdf.render", f"race-{i}", ids[i], seen)])
            except Exception as exc:  # collected, asserted below
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert not errors, f"{len(errors)} of {WRITERS * ROWS} upserts failed, e.g. {errors[0]!r:.300}"
        rows = repository.load_rows(engines[0], tag="pdf.render")
        assert len(rows) == ROWS
        newest = base + timedelta(microseconds=WRITERS - 1)
        assert all(r["last_seen"] == newest for r in rows), "the newest write must win"
    finally:
        for engine in engines:
            engine.dispose()
