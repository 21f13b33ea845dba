"""The e-Transport outbox is the shared PostgreSQL outbox: any replica polls a declaration another one uploaded,
and outside development a worker refuses SQLite or a missing database before it consumes anything."""

from __future__ import annotations

import time
import uuid

import httpx
import psycopg

from tests.anaf_etransport import samples
from tests.fakes.anaf.etransport import book


def test_a_poll_consumed_by_another_worker_process_finds_the_declaration(
    start_worker, celery_client, etr_env, fake_anaf, etr_events, worker_env, tmp_path
):
    httpx.post(f"{fake_anaf.url}/_fake/config", json={"processing_delay_s": 4.0}, timeout=5)
    uploader = start_worker("anaf.etransport", env={**etr_env, "ANAF_ETRANSPORT_POLL_DELAYS": "[10]"}, name="etr-a")
    key = f"replica-{uuid.uuid4().hex[:8]}"
    first = celery_client.send_task(
        "etransport.submit", kwargs={"declaration": samples.export(), "idempotency_key": key}
    ).get(timeout=60)
    assert first["state"] == "processing" and first["uit"], first  # the verdict is left to etransport.poll
    # a second process, its own artifact directory (no shared volume), the same PostgreSQL; the uploader goes away
    poller = start_worker("anaf.etransport", env={**etr_env, "ARTIFACT_DIR": str(tmp_path / "other-pod")}, name="etr-b")
    uploader.stop(timeout=30)
    event = etr_events.wait_for("etransport.uit_issued", timeout=60)
    assert event["source"]["instance"] == poller.name
    assert event["data"]["key"] == key and event["data"]["uit"] == first["uit"] and event["data"]["uit_valid"] is True
    assert len(book(fake_anaf.state).uploads()) == 1
    assert "etransport_unknown_key" not in poller.logs()
    with psycopg.connect(worker_env["DATABASE_URL"].replace("+psycopg", "")) as conn:
        state, polls = conn.execute(
            "SELECT state, (data->>'polls')::int FROM workers_core_outbox WHERE namespace = 'etransport' AND key = %s",
            (key,),
        ).fetchone()
    assert state == "ok" and polls >= 1


def _refused(worker) -> list[str]:
    deadline = time.monotonic() + 60
    while worker.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert worker.proc.returncode == 78, worker.logs()[-3000:]
    assert " ready." not in worker.logs()
    return [line for line in worker.logs().splitlines() if "refusing to start" in line]


def test_production_worker_refuses_sqlite_in_one_line(start_worker, etr_env, fake_anaf, tmp_path):
    worker = start_worker(
        "anaf.etransport",
        wait=False,
        env={
            **etr_env,
            "WORKERS_CORE_ENV": "production",
            "ANAF_ETRANSPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'o.db'}",
        },
    )
    (line,) = _refused(worker)
    assert "SQLite is refused outside development" in line
    assert not (tmp_path / "o.db").exists() and fake_anaf.state.requests == []


def test_production_worker_refuses_to_start_without_its_database(start_worker, etr_env, fake_anaf):
    worker = start_worker(
        "anaf.etransport",
        wait=False,
        env={**etr_env, "WORKERS_CORE_ENV": "production", "ANAF_ETRANSPORT_DATABASE_URL": ""},
    )
    (line,) = _refused(worker)
    assert "no database URL" in line
