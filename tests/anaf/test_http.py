"""The one boundary: the transport turns httpx errors and ANAF statuses/bodies into the ANAF tree (against the fake)."""

from __future__ import annotations

import httpx
import pytest

from anaf_core import (
    AnafAuthError,
    AnafDailyLimitError,
    AnafDownloadExpiredError,
    AnafRateLimitError,
    AnafResponseError,
    AnafRuntime,
    AnafSettings,
    AnafTransportError,
    AnafWafRejectionError,
    build_client,
    error_for_message,
)
from shared.errors import PermanentError, TransientError
from shared.integration import OPERATION
from tests.fakes.anaf import FakeAnafServer, free_port

BODY = [{"cui": 4221306, "data": "2026-01-05"}]


def _call(client: httpx.Client, method: str, url: str, **kw: object) -> httpx.Response:
    """A plain call: no mapping code here, the transport raises the ANAF tree itself."""
    return client.request(method, url, extensions={OPERATION: "op"}, **kw)  # type: ignore[arg-type]


def test_registry_429_when_paced_too_fast(anaf_settings: AnafSettings, fake_anaf: FakeAnafServer) -> None:
    url = anaf_settings.registry_url
    with build_client(anaf_settings, keepalive=False) as client:
        _call(client, "POST", url, json=BODY)
        with pytest.raises(AnafRateLimitError) as info:
            _call(client, "POST", url, json=BODY)
    assert isinstance(info.value, TransientError) and info.value.details["status_code"] == 429
    assert info.value.operation == "op" and info.value.details["api"] == "anaf"
    assert fake_anaf.state.registry_violations == 1


def test_limited_client_never_trips_the_fake(anaf_runtime: AnafRuntime, fake_anaf: FakeAnafServer) -> None:
    client = anaf_runtime.registry_client()
    for _ in range(3):
        assert _call(client, "POST", anaf_runtime.settings.registry_url, json=BODY).json()["notFound"] == []
    assert fake_anaf.state.registry_violations == 0 and len(fake_anaf.state.registry_calls) == 3


def test_5xx_is_transient(anaf_settings: AnafSettings, fake_anaf: FakeAnafServer) -> None:
    fake_anaf.state.config.registry_down = True
    with build_client(anaf_settings) as client, pytest.raises(AnafTransportError) as info:
        _call(client, "POST", anaf_settings.registry_url, json=BODY)
    assert info.value.status_code == 503 and info.value.request_sent


def test_connection_refused_was_not_sent(anaf_settings: AnafSettings) -> None:
    with build_client(anaf_settings) as client, pytest.raises(AnafTransportError) as info:
        _call(client, "POST", f"http://127.0.0.1:{free_port()}/x", content=b"<a/>")
    assert info.value.request_sent is False


def test_missing_token_is_auth_error(anaf_settings: AnafSettings) -> None:
    with build_client(anaf_settings) as client, pytest.raises(AnafAuthError) as info:
        _call(client, "GET", f"{anaf_settings.efactura_base_url}/stareMesaj", params={"id_incarcare": "1"})
    assert isinstance(info.value, PermanentError) and info.value.status_code == 403


def test_spring_400_body_is_anaf_saying_no(anaf_runtime: AnafRuntime, fake_anaf: FakeAnafServer) -> None:
    code = httpx.post(f"{fake_anaf.url}/_fake/authorize-code", json={}).json()["code"]
    anaf_runtime.tokens.exchange_code(code)
    client = anaf_runtime.api_client(anaf_runtime.settings.efactura_base_url)
    with pytest.raises(AnafResponseError) as info:
        _call(client, "POST", "/upload", params={"cif": "4221306"}, content=b"<a/>")
    assert "standard" in info.value.messages[0]


def test_waf_page_on_public_validare(anaf_settings: AnafSettings) -> None:
    xsi = b"http://www.w3.org/2001/XMLSchema-instance"
    xml = b'<Invoice xmlns:xsi="' + xsi + b'" xsi:schemaLocation="urn:x ../x.xsd"/>'
    with build_client(anaf_settings) as client, pytest.raises(AnafWafRejectionError):
        _call(client, "POST", f"{anaf_settings.public_efactura_base_url}/validare/FACT1", content=xml)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("S-au facut deja 20 descarcari de mesaj in cursul zilei", AnafDailyLimitError),
        ("S-au incarcat deja 1000 de mesaje de tip RASP", AnafDailyLimitError),
        ("A aparut o eroare tehnica. Cod: X1", AnafTransportError),
        ("Nu aveti drept in SPV pentru CIF=123", AnafAuthError),
        (
            "Mesajul cu id=1 nu mai poate fi descarcat pentru ca a trecut perioada de 60 de zile",
            AnafDownloadExpiredError,
        ),
        ("Valorile acceptate pentru parametrul standard sunt UBL, CN, CII sau RASP", AnafResponseError),
    ],
)
def test_error_wordings(message: str, kind: type) -> None:
    error = error_for_message(message, operation="op")
    assert type(error) is kind and error.messages == [message]
    assert error.to_dict()["details"]["messages"] == [message]


def test_errors_survive_a_round_trip_through_the_result_backend() -> None:
    """Celery stores ``args`` (the structured dict) and rebuilds ``cls(dict)``: the facts come back."""
    error = error_for_message(
        "S-au facut deja 20 descarcari de mesaj in cursul zilei", operation="descarcare", status_code=200
    )
    rebuilt = type(error)(*error.args)
    assert isinstance(rebuilt, AnafDailyLimitError) and rebuilt.retryable
    assert rebuilt.messages == error.messages and rebuilt.operation == "descarcare" and rebuilt.status_code == 200
    assert rebuilt.retry_after == error.retry_after and rebuilt.to_dict() == error.to_dict()


def test_a_limiter_without_a_slot_is_an_anaf_rate_limit(anaf_settings: AnafSettings, redis_url: str) -> None:
    """The shared limiter's refusal becomes the ANAF tree at the same boundary (the call never leaves)."""
    import uuid

    import redis

    from shared.ratelimit import GcraLimiter

    limiter = GcraLimiter(
        redis.Redis.from_url(redis_url), f"wrk:test:rate:{uuid.uuid4().hex}", rate=1, period=30, max_wait=0.2
    )
    with build_client(anaf_settings, limiter=limiter) as client:
        with pytest.raises(AnafTransportError):  # first call: the slot is taken, the host refuses the connection
            _call(client, "POST", f"http://127.0.0.1:{free_port()}/x", content=b"<a/>")
        with pytest.raises(AnafRateLimitError) as info:
            _call(client, "POST", f"http://127.0.0.1:{free_port()}/x", content=b"<a/>")
    assert 25 < (info.value.retry_after or 0) <= 30 and info.value.operation == "op"
