"""Upgrading from the releases whose e-Transport and REGES outboxes were tables of their own (migration 0003).

The old tables are created as those releases did (``anaf_etransport/outbox.py`` and ``reges/store.py`` before the
shared outbox), filled, and migrated on real PostgreSQL; the rows must then read back through today's typed
accessors, a second migration must copy nothing twice, and a database without the old tables migrates clean.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text

from anaf_etransport.outbox import EtransportOutbox
from reges.store import RegesStore
from shared.outbox import Outbox, migrate, outbox_engine
from tests.conftest import PG_ADMIN_URL

#: the tables as the previous releases created them (SQLAlchemy metadata.create_all on PostgreSQL)
OLD_SCHEMA = """
CREATE TABLE etransport_submissions (
    key VARCHAR(200) PRIMARY KEY, cif VARCHAR(13) NOT NULL, kind VARCHAR(16) NOT NULL,
    xml_sha256 VARCHAR(64) NOT NULL, declarant_ref VARCHAR(50), xml_artifact VARCHAR(512),
    state VARCHAR(16) NOT NULL, index_incarcare BIGINT, uit VARCHAR(16), errors TEXT,
    polls INTEGER NOT NULL, upload_started_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE reges_submissions (
    message_id VARCHAR(36) PRIMARY KEY, response_id VARCHAR(38) UNIQUE, employer_cui VARCHAR(10) NOT NULL,
    kind VARCHAR(16) NOT NULL, operation VARCHAR(64) NOT NULL, state VARCHAR(16) NOT NULL,
    result_code VARCHAR(16), result_ref VARCHAR(38), description TEXT,
    created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE reges_results (
    id SERIAL PRIMARY KEY, digest VARCHAR(64) NOT NULL UNIQUE, response_id VARCHAR(38), message_id VARCHAR(36),
    code VARCHAR(16), code_type VARCHAR(16), ref VARCHAR(38), related_expected BOOLEAN, raw TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
"""

ETRANSPORT_ROWS = [
    # key, state, index, uit, errors, polls, upload started
    ("ro|4221306|ref-1", "ok", 7001, "UIT0000000000001", None, 3, "2026-02-01 10:00:00+00"),
    ("ro|4221306|ref-2", "uploading", None, None, None, 0, "2026-02-01 10:05:00+00"),
    ("ro|4221306|ref-3", "nok", 7003, None, '["E-TRANSPORT: cod tarifar invalid"]', 1, "2026-02-01 10:06:00+00"),
]
REGES_ROWS = [
    # message id, response id, state, result code, result ref, description
    ("11111111-1111-1111-1111-111111111111", "resp-1", "succeeded", "SUCCES", "ref-salariat-1", None),
    ("22222222-2222-2222-2222-222222222222", "resp-2", "submitted", None, None, None),
    ("33333333-3333-3333-3333-333333333333", None, "failed", None, None, "HTTP 400 before a receipt"),
]
RESULT = {"responseId": "resp-1", "header": {"messageId": REGES_ROWS[0][0]}, "result": {"code": "SUCCES"}}
#: the key reges/store.py gave a drained result, then and now
DIGEST = hashlib.sha256(json.dumps(RESULT, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _fill(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(OLD_SCHEMA)
        for key, state, index, uit, errors, polls, started in ETRANSPORT_ROWS:
            conn.execute(
                "INSERT INTO etransport_submissions (key, cif, kind, xml_sha256, declarant_ref, xml_artifact, state, "
                "index_incarcare, uit, errors, polls, upload_started_at, created_at, updated_at) VALUES "
                "(%s, '4221306', 'notificare', %s, %s, %s, %s, %s, %s, %s, %s, %s, now(), now())",
                (key, key[-1] * 64, key[-5:], f"etransport/{key[-5:]}.xml", state, index, uit, errors, polls, started),
            )
        for message_id, response_id, state, code, ref, description in REGES_ROWS:
            conn.execute(
                "INSERT INTO reges_submissions (message_id, response_id, employer_cui, kind, operation, state, "
                "result_code, result_ref, description, created_at, updated_at) VALUES "
                "(%s, %s, '4221306', 'salariat', 'AdaugareSalariat', %s, %s, %s, %s, now(), now())",
                (message_id, response_id, state, code, ref, description),
            )
        raw = json.dumps(RESULT, sort_keys=True, ensure_ascii=False)
        conn.execute(
            "INSERT INTO reges_results (digest, response_id, message_id, code, raw, received_at) "
            "VALUES (%s, 'resp-1', %s, 'SUCCES', %s, now())",
            (hashlib.sha256(raw.encode()).hexdigest(), REGES_ROWS[0][0], raw),
        )


@pytest.fixture
def database() -> Iterator[str]:
    name = f"wc_outbox_old_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _count(engine: object, namespace: str) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        query = text("SELECT count(*) FROM workers_core_outbox WHERE namespace = :n")
        return int(conn.execute(query, {"n": namespace}).scalar_one())


def test_old_etransport_and_reges_rows_move_into_the_shared_outbox(database: str) -> None:
    _fill(database)
    engine = outbox_engine(database, environment="production")
    try:
        migrate(engine, to="0002_efactura_rows")
        # a replica of the new release already opened ref-2 in the shared outbox: that row is kept as it is
        Outbox(engine, "etransport").open("ro|4221306|ref-2", state="pending", scope="4221306", data={"kind": "x"})
        assert migrate(engine).up_to_date
        assert migrate(engine).up_to_date  # a second run copies nothing twice
        assert (_count(engine, "etransport"), _count(engine, "reges"), _count(engine, "reges-results")) == (3, 3, 1)

        etransport = EtransportOutbox(Outbox(engine, "etransport"))
        done = etransport.get("ro|4221306|ref-1")
        assert done is not None
        assert (done.state, done.index_incarcare, done.uit, done.polls, done.kind) == (
            "ok",
            7001,
            "UIT0000000000001",
            3,
            "notificare",
        )
        assert done.xml_sha256 == "1" * 64 and done.cif == "4221306" and done.xml_artifact == "etransport/ref-1.xml"
        assert done.upload_started_at is not None and done.upload_started_at.isoformat().startswith("2026-02-01T10:00")
        refused = etransport.get("ro|4221306|ref-3")
        assert refused is not None and refused.errors == ["E-TRANSPORT: cod tarifar invalid"]
        kept = etransport.get("ro|4221306|ref-2")
        assert kept is not None and (kept.state, kept.kind) == ("pending", "x")
        assert Outbox(engine, "etransport").get("ro|4221306|ref-1").finished_at is not None  # type: ignore[union-attr]

        reges = RegesStore(Outbox(engine, "reges"), Outbox(engine, "reges-results"))
        ok = reges.get(REGES_ROWS[0][0])
        assert ok is not None
        assert (ok.response_id, ok.state, ok.result_code, ok.result_ref, ok.employer_cui) == (
            "resp-1",
            "succeeded",
            "SUCCES",
            "ref-salariat-1",
            "4221306",
        )
        assert (ok.kind, ok.operation) == ("salariat", "AdaugareSalariat")
        waiting = reges.get(REGES_ROWS[1][0])
        assert waiting is not None and waiting.state == "submitted"
        assert reges.submissions.find(ref="resp-2")[0].key == REGES_ROWS[1][0]  # a drained result still finds it
        failed = reges.get(REGES_ROWS[2][0])
        assert failed is not None and failed.description == "HTTP 400 before a receipt" and failed.response_id is None
        stored = reges.results.get(DIGEST)
        assert stored is not None and stored.data == {"response_id": "resp-1", "result": RESULT}
        assert stored.subject == REGES_ROWS[0][0]
        # the same result drained again after the upgrade lands on the copied row, not a new one
        reges.record_result(RESULT)
        assert _count(engine, "reges-results") == 1
    finally:
        engine.dispose()


def test_without_old_tables_the_migration_copies_nothing(database: str) -> None:
    engine = outbox_engine(database, environment="production")
    try:
        assert migrate(engine).up_to_date
        for namespace in ("etransport", "reges", "reges-results"):
            assert _count(engine, namespace) == 0
    finally:
        engine.dispose()
