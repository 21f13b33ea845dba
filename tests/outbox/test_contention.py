"""Contention is never "database unavailable": a replica starting while another claims does not deadlock, and a
deadlock PostgreSQL does detect comes out as ``OutboxBusy``.

The CI failure of ``test_parallel_deliveries_of_one_invoice_upload_once`` (two ``outbox_unavailable`` and no
upload) came from the outbox of that time running its DDL (``CREATE INDEX``/``ALTER TABLE``: Share then
AccessExclusive locks) on every new connection while another replica's claim held RowShare and wanted
RowExclusive: PostgreSQL killed one with 40P01, which was mapped to ``outbox_unavailable``, and the reconnect ran
the DDL again. The schema is now the migrations' business, and contention has its own error.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from shared.outbox import Outbox, OutboxBusy, OutboxUnavailable, open_outbox
from shared.outbox.database import translate


def test_a_starting_replica_never_deadlocks_with_a_claim(engine: Engine, empty_database_url: str) -> None:
    namespace = f"start-{uuid.uuid4().hex[:6]}"
    Outbox(engine, namespace).open("held")
    errors: list[BaseException] = []
    with engine.connect() as claimer:
        claimer.execute(
            text("SELECT id FROM workers_core_outbox WHERE namespace = :n AND key = 'held' FOR UPDATE"),
            {"n": namespace},
        )

        def start_replica() -> None:
            try:
                for environment in ("test", "production"):  # migrate-at-head and require-head paths
                    box = open_outbox(empty_database_url, namespace, environment=environment)
                    box.open(f"other-{environment}")
                    box.engine.dispose()
            except BaseException as exc:
                errors.append(exc)

        replica = threading.Thread(target=start_replica)
        replica.start()
        replica.join(timeout=60)
        claimer.execute(
            text(
                "INSERT INTO workers_core_outbox (namespace, key, state, data, created_at, updated_at) "
                "VALUES (:n, 'new-row', 'new', '{}', now(), now())"
            ),
            {"n": namespace},
        )
        claimer.commit()
    assert not replica.is_alive() and errors == []
    assert {r.key for r in Outbox(engine, namespace).find()} == {"held", "other-test", "other-production", "new-row"}


def test_a_detected_deadlock_is_outbox_busy_not_unavailable(engine: Engine) -> None:
    namespace = f"dead-{uuid.uuid4().hex[:6]}"
    box = Outbox(engine, namespace)
    a_id, b_id = box.open("a")[0].id, box.open("b")[0].id
    lock = text("UPDATE workers_core_outbox SET attempts = attempts + 1 WHERE id = :id")
    first_locked, second_locked = threading.Event(), threading.Event()
    outcomes: dict[str, BaseException | None] = {}

    def worker(name: str, mine: int, theirs: int, locked: threading.Event, other: threading.Event) -> None:
        try:
            with translate(), engine.begin() as conn:
                conn.execute(lock, {"id": mine})
                locked.set()
                other.wait(30)
                conn.execute(lock, {"id": theirs})
            outcomes[name] = None
        except BaseException as exc:
            outcomes[name] = exc

    threads = [
        threading.Thread(target=worker, args=("one", a_id, b_id, first_locked, second_locked)),
        threading.Thread(target=worker, args=("two", b_id, a_id, second_locked, first_locked)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    failed = [e for e in outcomes.values() if e is not None]
    assert len(failed) == 1 and isinstance(failed[0], OutboxBusy), outcomes
    assert not isinstance(failed[0], OutboxUnavailable) and failed[0].code == "outbox_busy"
    with pytest.raises(OutboxBusy):  # the same mapping for a lock timeout
        with translate(), engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '50ms'"))
            with engine.begin() as holder:
                holder.execute(lock, {"id": a_id})
                conn.execute(lock, {"id": a_id})
