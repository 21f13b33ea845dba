"""Fixtures for the REGES tests: the official XSD, the fake REGES (inside the fake ANAF app), worker env."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lxml import etree

from tests.anaf_etransport.events import EventSink
from tests.fakes.anaf import FakeAnafServer, FakeAnafState
from tests.fakes.anaf.reges import book
from tests.schemadata import installed


@pytest.fixture(scope="session")
def reges_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(installed("reges", "reges.xsd"))))


@pytest.fixture
def fake_reges(reges_schema) -> Iterator[FakeAnafServer]:
    with FakeAnafServer(FakeAnafState()) as server:
        book(server.state).schema = reges_schema
        yield server


@pytest.fixture
def reges_env(fake_reges: FakeAnafServer) -> dict[str, str]:
    return {
        "REGES_BASE_URL": fake_reges.url,
        "REGES_SSO_URL": fake_reges.url,
        "REGES_CLIENT_SECRET": "fake-reges-secret",
        "REGES_USERNAME": "api-18547290",
        "REGES_PASSWORD": "fake-reges-password",
        "REGES_EMPLOYER_CUI": "18547290",
        "REGES_CONSUMER_ID": "workers-core-test",
    }


@pytest.fixture
def reges_events(broker_url: str) -> Iterator[EventSink]:
    sink = EventSink(broker_url, "reges.#")
    yield sink
    sink.close()
