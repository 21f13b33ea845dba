"""Fixtures of the outbox tests: a PostgreSQL database of their own (created empty, dropped at the end)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import Engine

from shared.outbox import Outbox, migrate, outbox_engine
from tests.conftest import PG_ADMIN_URL


@pytest.fixture(scope="module")
def empty_database_url() -> Iterator[str]:
    name = f"wc_outbox_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def engine(empty_database_url: str) -> Iterator[Engine]:
    made = outbox_engine(empty_database_url, environment="production")
    migrate(made)
    yield made
    made.dispose()


@pytest.fixture
def box(engine: Engine) -> Outbox:
    return Outbox(engine, f"test-{uuid.uuid4().hex[:8]}")
