"""Fixtures for the e-Transport tests: official schemas, the fake ANAF, worker environment, event sink."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from anaf_etransport.validation import EtransportValidator
from shared.schemas import get_store
from tests.anaf_etransport.events import EventSink
from tests.fakes.anaf import FakeAnafServer, FakeAnafState


@pytest.fixture(scope="session")
def etr_validator() -> EtransportValidator:
    return EtransportValidator.from_store(get_store())


@pytest.fixture
def fake_anaf() -> Iterator[FakeAnafServer]:
    with FakeAnafServer(FakeAnafState()) as server:
        yield server


@pytest.fixture
def etr_env(fake_anaf: FakeAnafServer, redis_url: str, tmp_path: Path) -> dict[str, str]:
    """Worker environment pointing at the fake, with a token pair the fake issued (the bootstrap's outcome)."""
    with fake_anaf.state.lock:
        tokens = fake_anaf.state.issue_tokens("fake-client-id")
    url = fake_anaf.url
    return {
        "ANAF_ENVIRONMENT": "test",
        "ANAF_API_BASE_URL": url,
        "ANAF_OAUTH_BASE_URL": f"{url}/anaf-oauth2/v1",
        "ANAF_CLIENT_ID": "fake-client-id",
        "ANAF_CLIENT_SECRET": "fake-client-secret",
        "ANAF_REDIRECT_URI": "https://localhost:8443/callback",
        "ANAF_ACCESS_TOKEN": tokens["access_token"],
        "ANAF_REFRESH_TOKEN": tokens["refresh_token"],
        "ANAF_REDIS_NAMESPACE": uuid.uuid4().hex[:8],
        "ANAF_ETRANSPORT_INLINE_POLL_DELAYS": "[0.2, 0.4, 0.8]",
        "ANAF_ETRANSPORT_POLL_DELAYS": "[1, 1]",
        "ANAF_ETRANSPORT_RECONCILE_WINDOW_S": "60",
        "REDIS_URL": redis_url,
    }


@pytest.fixture
def etr_events(broker_url: str) -> Iterator[EventSink]:
    sink = EventSink(broker_url, "etransport.#")
    yield sink
    sink.close()
