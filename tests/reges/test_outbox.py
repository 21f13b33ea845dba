"""REGES keeps its submissions and drained results in the shared PostgreSQL outbox; outside development it
refuses SQLite before it consumes anything."""

from __future__ import annotations

import time

import psycopg

from tests.reges import samples


def test_production_worker_refuses_sqlite_in_one_line(start_worker, reges_env, fake_reges, tmp_path):
    worker = start_worker(
        "reges",
        wait=False,
        env={**reges_env, "WORKERS_CORE_ENV": "production", "REGES_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"},
    )
    deadline = time.monotonic() + 60
    while worker.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert worker.proc.returncode == 78, worker.logs()[-3000:]
    (line,) = [line for line in worker.logs().splitlines() if "refusing to start" in line]
    assert "SQLite is refused outside development" in line and not (tmp_path / "r.db").exists()


def test_submission_and_its_result_live_in_the_shared_outbox(
    start_worker, celery_client, reges_env, fake_reges, worker_env
):
    start_worker("reges", env=reges_env)
    message = samples.ALL["InregistrareSalariat"]
    sent = celery_client.send_task("reges.submit", kwargs={"employer_cui": "18547290", "message": message}).get(
        timeout=60
    )
    drained = celery_client.send_task("reges.drain", kwargs={"batch": 10}).get(timeout=60)
    assert drained["results"] >= 1
    with psycopg.connect(worker_env["DATABASE_URL"].replace("+psycopg", "")) as conn:
        state, ref, code = conn.execute(
            "SELECT state, ref, data->>'result_code' FROM workers_core_outbox WHERE namespace = 'reges' AND key = %s",
            (sent["message_id"],),
        ).fetchone()
        stored = conn.execute(
            "SELECT count(*) FROM workers_core_outbox WHERE namespace = 'reges-results' AND subject = %s",
            (sent["message_id"],),
        ).fetchone()
    assert (state, ref, code) == ("succeeded", sent["response_id"], "SUCCES") and stored == (1,)


def test_development_worker_starts_without_its_database_and_says_so(start_worker, reges_env, fake_reges):
    """Development is lenient: the worker starts, says in one line why its tasks will fail (retried) meanwhile."""
    worker = start_worker(
        "reges",
        env={
            **reges_env,
            "WORKERS_CORE_ENV": "development",
            "REGES_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/none",
        },
    )
    warnings = [line for line in worker.logs().splitlines() if "start-up check failed" in line]
    assert len(warnings) == 1 and "outbox database unavailable" in warnings[0]
    assert worker.proc is not None and worker.proc.poll() is None
