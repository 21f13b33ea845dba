"""Rows, claims and compare-and-set on real PostgreSQL: one idempotency key, one claimer, states kept."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Engine

from shared.outbox import Outbox, OutboxRow

T = TypeVar("T")


def race(count: int, action: Callable[[int], T]) -> list[T]:
    """Run ``action(i)`` in ``count`` threads released together; their answers in any order."""
    barrier = threading.Barrier(count)
    answers: list[T] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        answer = action(i)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(answers) == count
    return answers


def test_open_is_idempotent_per_key(box: Outbox) -> None:
    answers = race(6, lambda i: box.open("invoice-1", scope="4221306", subject="F1", data={"by": i}))
    assert sorted(created for _, created in answers) == [False] * 5 + [True]
    assert len({row.id for row, _ in answers}) == 1
    assert len(box.find(scope="4221306")) == 1


def test_two_concurrent_claimers_get_the_row_once(engine: Engine) -> None:
    namespace = f"race-{uuid.uuid4().hex[:6]}"
    one, other = Outbox(engine, namespace), Outbox(engine, namespace)  # two replicas, one database
    one.open("k")
    for _ in range(5):
        one.update("k", state="new", release=True)
        won = race(
            2, lambda i: (one, other)[i].claim("k", f"owner-{i}", lease_s=60, states={"new"}, to_state="sending")
        )
        assert sum(row is not None for row in won) == 1
    final = one.get("k")
    assert final is not None and final.attempts == 5 and final.state == "sending"


def test_concurrent_claim_next_hands_each_row_to_one_claimer(box: Outbox) -> None:
    for i in range(20):
        box.open(f"row-{i}")

    def drain(i: int) -> list[str]:
        mine: list[str] = []
        while (row := box.claim_next(f"claimer-{i}", lease_s=60, states={"new"}, to_state="sending")) is not None:
            mine.append(row.key)
        return mine

    claimed = [key for keys in race(4, drain) for key in keys]
    assert Counter(claimed) == Counter(f"row-{i}" for i in range(20))


def test_a_lease_blocks_others_until_it_expires(engine: Engine) -> None:
    now = [1_000_000.0]
    box = Outbox(engine, f"lease-{uuid.uuid4().hex[:6]}", clock=lambda: now[0])
    box.open("k")
    assert box.claim("k", "a", lease_s=30) is not None
    assert box.claim("k", "b", lease_s=30) is None
    assert box.update("k", owner="b", state="sent") is None  # not b's to change
    renewed = box.claim("k", "a", lease_s=30)
    assert renewed is not None and renewed.attempts == 2
    now[0] += 31  # a died: its lease ran out
    taken = box.claim("k", "b", lease_s=30)
    assert taken is not None and taken.lease_owner == "b"


def test_updates_are_compare_and_set_on_the_state(box: Outbox) -> None:
    box.open("k", data={"cif": "4221306"})
    assert box.update("k", expect={"new"}, state="uploading") is not None
    assert box.update("k", expect={"new"}, state="uploading") is None
    done = box.complete("k", "accepted", expect={"uploading"}, ref="5001", errors=[], data={"index": 5001})
    assert isinstance(done, OutboxRow)
    assert done.state == "accepted" and done.finished_at is not None and done.ref == "5001"
    assert done.data == {"cif": "4221306", "index": 5001}
    assert box.complete("k", "rejected", expect={"uploading"}) is None
    assert [r.key for r in box.find(ref="5001")] == ["k"]
    assert box.find(states={"accepted"})[0].id == done.id == box.by_id(done.id).id  # type: ignore[union-attr]


def test_namespaces_do_not_see_each_other(engine: Engine) -> None:
    a, b = Outbox(engine, f"a-{uuid.uuid4().hex[:6]}"), Outbox(engine, f"b-{uuid.uuid4().hex[:6]}")
    a.open("same-key", data={"of": "a"})
    row, created = b.open("same-key", data={"of": "b"})
    assert created and row.data == {"of": "b"}
    assert a.get("same-key").data == {"of": "a"}  # type: ignore[union-attr]
