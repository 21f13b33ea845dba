"""Upgrading from the release whose e-Factura outbox was its own table: the rows move into the shared outbox with
their ids, so in-flight polls and stored outbox ids keep working and no invoice is filed twice."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text

from anaf_efactura.outbox import EfacturaOutbox
from shared.outbox import Outbox, migrate, outbox_engine
from tests.conftest import PG_ADMIN_URL

#: the table as the previous release created it (anaf_efactura/outbox.py of that release)
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS efactura_outbox (
    id BIGSERIAL PRIMARY KEY,
    invoice_key TEXT NOT NULL,
    cif TEXT NOT NULL,
    xml_sha256 TEXT NOT NULL,
    standard TEXT NOT NULL,
    b2c BOOLEAN NOT NULL DEFAULT FALSE,
    flags JSONB NOT NULL DEFAULT '{}',
    xml_artifact TEXT,
    status TEXT NOT NULL,
    upload_index BIGINT,
    duplicate_index BIGINT,
    download_id BIGINT,
    anaf_state TEXT,
    errors JSONB,
    zip_artifact TEXT,
    zip_sha256 TEXT,
    signature JSONB,
    polls INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    intent_at TIMESTAMPTZ,
    uploaded_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (cif, invoice_key, xml_sha256)
);
CREATE INDEX IF NOT EXISTS efactura_outbox_index ON efactura_outbox (upload_index);
ALTER TABLE efactura_outbox ADD COLUMN IF NOT EXISTS validated_with JSONB;
"""


@pytest.fixture
def old_database() -> Iterator[str]:
    name = f"wc_outbox_old_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(OLD_SCHEMA)
        for number, status, index in (("F-1", "accepted", 5001), ("F-2", "uploading", None), ("F-3", "uploaded", 5003)):
            conn.execute(
                "INSERT INTO efactura_outbox (invoice_key, cif, xml_sha256, standard, flags, status, upload_index, "
                "errors, signature, polls, attempts, intent_at, validated_with) VALUES "
                "(%s, '4221306', %s, 'UBL', '{\"extern\": true}', %s, %s, '[]', '{\"signer\": null}', 2, 1, now(), "
                '\'[{"name": "cius-ro", "version": "1.0.9"}]\')',
                (f"{number}|2026-01-01", f"{number:0>64}"[-64:], status, index),
            )
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_old_efactura_rows_keep_their_ids_and_state(old_database: str) -> None:
    engine = outbox_engine(old_database, environment="production")
    try:
        migrate(engine, to="0001_outbox")
        with engine.begin() as conn:  # another worker adopted the shared outbox first and took id 2
            conn.execute(
                text(
                    "INSERT INTO workers_core_outbox (id, namespace, key, state, data, created_at, updated_at) "
                    "VALUES (2, 'etransport', 'x', 'pending', '{}', now(), now())"
                )
            )
        assert migrate(engine).current == "0002_efactura_rows"
        assert migrate(engine).current == "0002_efactura_rows"  # a second run copies nothing twice
        box = EfacturaOutbox(Outbox(engine, "efactura"))
        first = box.get(1)
        assert (first.invoice_key, first.status, first.upload_index, first.attempts) == (
            "F-1|2026-01-01",
            "accepted",
            5001,
            1,
        )
        assert first.flags == {"extern": True} and first.polls == 2 and first.intent_at is not None
        assert first.validated_with == [{"name": "cius-ro", "version": "1.0.9"}] and first.signature == {"signer": None}
        third = box.get(3)
        assert third.status == "uploaded" and third.upload_index == 5003
        moved = [r for r in box.box.find(scope="4221306") if r.data["invoice_key"] == "F-2|2026-01-01"]
        assert len(moved) == 1 and moved[0].id not in (1, 2, 3) and moved[0].state == "uploading"
        assert box.known_indexes("4221306") == {5001, 5003}
        fresh, _ = Outbox(engine, "efactura").open("new-row")
        assert fresh.id > max(1, 2, 3, moved[0].id)
    finally:
        engine.dispose()
