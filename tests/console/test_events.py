"""Celery task events -> history rows: states merged in order, sensitive fields replaced, retention pruning."""

from __future__ import annotations

import uuid
from datetime import timedelta

from console.events import merge, normalize
from console.history import TaskQuery
from console.ingest import EventIngester
from console.redaction import REDACTED, kept_kwargs


def test_sensitive_fields_are_never_kept() -> None:
    kept = kept_kwargs("email.send", "{'to': ['ana@example.test'], 'subject': 'Factura', 'html': '<p>secret</p>'}")
    assert kept == {"to": REDACTED, "subject": "Factura", "html": REDACTED}
    assert kept_kwargs("email.send", "{'to': ['ana@exa...") == {
        "_withheld": "arguments not parseable; the task declares sensitive fields"
    }
    assert kept_kwargs("taxpayer.validate", {"cui": "RO123"}) == {"cui": "RO123"}


def test_events_merge_into_one_summary_whatever_their_order() -> None:
    task_id = str(uuid.uuid4())
    events = [
        {
            "type": "task-succeeded",
            "uuid": task_id,
            "timestamp": 103.0,
            "hostname": "w@h",
            "result": "{'ok': 1}",
            "runtime": 0.5,
        },
        {
            "type": "task-received",
            "uuid": task_id,
            "timestamp": 101.0,
            "hostname": "w@h",
            "name": "pdf.render",
            "kwargs": "{'html': '<b>x</b>', 'idempotency_key': 'inv-1'}",
            "retries": 0,
        },
        {"type": "task-started", "uuid": task_id, "timestamp": 102.0, "hostname": "w@h"},
        {
            "type": "task-context",
            "uuid": task_id,
            "timestamp": 101.0,
            "hostname": "w@h",
            "correlation_id": "c-1",
            "tenant": "t-1",
        },
    ]
    summaries: dict = {}
    for event in events:
        row, fields = normalize(event)  # type: ignore[misc]
        merge(summaries, row, fields)
    s = summaries[task_id]
    assert s.state == "SUCCESS"
    assert s.fields["kwargs"] == {"html": REDACTED, "idempotency_key": "inv-1"}
    assert s.fields["idempotency_key"] == "inv-1" and s.fields["correlation_id"] == "c-1"
    assert normalize({"type": "worker-heartbeat", "hostname": "w@h"}) is None


def test_batches_upsert_and_prune(history) -> None:
    ingester = EventIngester(history, batch=10, flush_seconds=60, retention=timedelta(days=1))
    old, new = str(uuid.uuid4()), str(uuid.uuid4())
    ingester.add({"type": "task-received", "uuid": old, "timestamp": 1000.0, "name": "ocr.extract", "hostname": "w"})
    ingester.add({"type": "task-received", "uuid": new, "timestamp": 4e9 - 10, "name": "ocr.extract", "hostname": "w"})
    assert ingester.flush() == 2
    ingester.add(
        {
            "type": "task-failed",
            "uuid": new,
            "timestamp": 4e9,
            "hostname": "w",
            "exception": "PermanentError('bad scan')",
            "traceback": "Traceback...",
        }
    )
    ingester.flush()
    found = history.task(new)["task"]
    assert found["state"] == "FAILURE" and found["name"] == "ocr.extract"
    assert found["error"]["type"] == "PermanentError"
    assert history.search(TaskQuery(task_id=old))
    history.prune(timedelta(days=1))
    assert not history.search(TaskQuery(task_id=old)) and history.search(TaskQuery(task_id=new))


def test_a_replayed_dead_letter_keeps_headers_and_counts_replays() -> None:
    import amqp

    from console.deadletters import REPLAY_HEADER, _replayed, describe

    dead = amqp.Message(
        b'[[], {"text": "secret", "channel": "#x"}, {}]',
        content_type="application/json",
        content_encoding="utf-8",
        correlation_id="task-1",
        application_headers={
            "id": "task-1",
            "task": "notify.slack",
            "x-correlation-id": "corr-1",
            "x-delivery-count": 3,
            "x-first-death-queue": "notify.slack",
            "x-first-death-reason": "rejected",
            REPLAY_HEADER: 1,
        },
    )
    letter = describe(dead)
    assert (letter.task_id, letter.origin, letter.reason, letter.replays) == ("task-1", "notify.slack", "rejected", 1)
    assert letter.kwargs == {"text": REDACTED, "channel": "#x"}
    again = _replayed(dead)
    headers = again.properties["application_headers"]
    assert headers[REPLAY_HEADER] == 2 and headers["x-correlation-id"] == "corr-1" and "x-delivery-count" not in headers
    assert again.properties["correlation_id"] == "task-1" and again.body == dead.body
