"""End to end with a real ``notify.slack`` worker, RabbitMQ, Redis, PostgreSQL, the registry and the console over
HTTP: task events land in the history (searchable by correlation id, sensitive fields never stored); a task that
fails for good is dead-lettered; a viewer's replay is refused by the server; after the cause is fixed an operator's
replay succeeds; every action leaves an audit row."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from console.deadletters import REPLAY_HEADER
from console.redaction import REDACTED
from tests.console.conftest import get, post, wait_for
from tests.fakes.slack import FakeSlack
from tests.notify_slack.conftest import fake_slack, worker_env_token  # noqa: F401 - fixture


def _task(history: Any, task_id: str, state: str) -> Any:
    found = history.search(_query(task_id=task_id))
    return found[0] if found and found[0]["state"] == state else None


def _query(**kw: Any) -> Any:
    from console.history import TaskQuery

    return TaskQuery(**kw)


def test_history_dead_letter_replay_rbac_and_audit(
    start_worker,
    celery_client,
    fake_slack: FakeSlack,
    ingest,
    history,
    console_server,
    as_role,
    role_token,
) -> None:
    start_worker("notify.slack", env=worker_env_token(fake_slack))
    correlation = f"corr-{uuid.uuid4().hex[:12]}"
    secret = f"SECRET-{uuid.uuid4().hex}"
    headers = {"x-correlation-id": correlation, "x-tenant-id": "tenant-7"}
    good = celery_client.send_task("notify.slack", kwargs={"text": secret, "channel": "#facturi"}, headers=headers)
    bad = celery_client.send_task("notify.slack", kwargs={"text": secret, "channel": "#nou"}, headers=headers)
    assert good.get(timeout=60)["status"] == "sent"
    bad.get(timeout=60, propagate=False)
    assert bad.state == "FAILURE"

    wait_for(lambda: _task(history, good.id, "SUCCESS"))
    wait_for(lambda: _task(history, bad.id, "FAILURE"))

    # search by correlation id through the console's API, as a viewer
    viewer, operator = as_role("viewer"), as_role("operator")
    found = get(console_server, "/api/tasks", viewer, correlation_id=correlation).json()["tasks"]
    assert {t["task_id"] for t in found} == {good.id, bad.id}
    assert {t["name"] for t in found} == {"notify.slack"}
    page = history.task(good.id)
    assert page["task"]["tenant"] == "tenant-7" and page["task"]["worker"]
    assert page["task"]["kwargs"] == {"text": REDACTED, "channel": "#facturi"}
    assert [r["task_id"] for r in page["related"]] == [bad.id]
    assert {"task-sent", "task-received", "task-succeeded", "task-context"} <= {e["event"] for e in page["timeline"]}
    failed = history.task(bad.id)["task"]
    assert failed["error"]["type"] == "SlackRejected" or "channel_not_found" in failed["error"]["exception"]

    # the sensitive field is nowhere in the console's tables
    with history.engine.connect() as conn:
        for table in ("console_tasks", "console_task_events"):
            dump = conn.execute(text(f"SELECT string_agg(t::text, '|') FROM {table} t")).scalar_one()
            assert secret not in dump

    # the task page and the dead-letter page render for a viewer (no payload secret on either)
    task_html = get(console_server, f"/tasks/{bad.id}", {"Authorization": viewer["Authorization"]})
    assert task_html.status_code == 200 and "channel_not_found" in task_html.text and secret not in task_html.text
    dlq_html = wait_for(
        lambda: (
            (r := get(console_server, "/dlq/notify.slack", {"Authorization": viewer["Authorization"]}))
            and bad.id in r.text
            and r
        )
    )
    assert secret not in dlq_html.text

    # a viewer's replay is refused by the server (403) and audited as denied
    refused = post(console_server, "/actions/replay", viewer, {"tag": "notify.slack", "id": bad.id})
    assert refused.status_code == 403

    # fix the cause, replay as an operator: the same task succeeds, with a replay counter header
    fake_slack.channels["nou"] = "C0000NOU"
    done = post(console_server, "/actions/replay", operator, {"tag": "notify.slack", "id": bad.id})
    assert done.status_code == 200, done.text
    assert done.json()["result"]["replayed"] == [bad.id]
    wait_for(lambda: _task(history, bad.id, "SUCCESS"), timeout=60)
    assert any(p.channel == "C0000NOU" for p in fake_slack.posted)
    assert bad.id not in get(console_server, "/dlq/notify.slack", {"Authorization": viewer["Authorization"]}).text

    # the queues page answers (depth, consumers, dead letters)
    queues = get(console_server, "/queues", {"Authorization": viewer["Authorization"]})
    assert queues.status_code == 200 and 'data-queue="notify.slack"' in queues.text

    # retry a failed task (its dead letter goes back) once the cause is fixed; discard is for admins only
    again = celery_client.send_task("notify.slack", kwargs={"text": "x", "channel": "#lipsa"}, headers=headers)
    gone = celery_client.send_task("notify.slack", kwargs={"text": "y", "channel": "#gol"}, headers=headers)
    for result in (again, gone):
        result.get(timeout=60, propagate=False)
        wait_for(lambda r=result: _task(history, r.id, "FAILURE"))
    wait_for(
        lambda: gone.id in get(console_server, "/dlq/notify.slack", {"Authorization": viewer["Authorization"]}).text
    )
    fake_slack.channels["lipsa"] = "C0000LIPSA"
    retried = post(console_server, "/actions/retry", operator, {"task_id": again.id})
    assert retried.status_code == 200, retried.text
    wait_for(lambda: _task(history, again.id, "SUCCESS"), timeout=60)
    assert post(console_server, "/actions/discard", operator, {"tag": "notify.slack", "id": gone.id}).status_code == 403
    admin = as_role("admin")
    discarded = post(console_server, "/actions/discard", admin, {"tag": "notify.slack", "id": gone.id})
    assert discarded.status_code == 200 and discarded.json()["result"]["discarded"] == [gone.id]
    assert gone.id not in get(console_server, "/dlq/notify.slack", {"Authorization": viewer["Authorization"]}).text

    audit = get(console_server, "/audit.csv", {"Authorization": operator["Authorization"]}).text.splitlines()
    replays = [line for line in audit if ",dlq.replay," in line]
    assert any(
        ",viewer@example.test,viewer,dlq.replay,notify.slack," in line and ",denied," in line for line in replays
    )
    assert any(
        ",operator@example.test,operator,dlq.replay,notify.slack," in line and ",ok," in line for line in replays
    )
    assert REPLAY_HEADER == "x-replay-count"
    assert any(",task.retry," in line and ",ok," in line for line in audit)
    assert any(",dlq.discard," in line and ",denied," in line for line in audit)
    assert any(",admin@example.test,admin,dlq.discard," in line and ",ok," in line for line in audit)
