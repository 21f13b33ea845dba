"""Issue 16 item 7: the OpenAPI document and the heartbeat model agree on ``queue_size``/``active_tasks``.

The rule is JSON Schema's: ``integer`` means a number without a fractional part, so ``1000000.0`` is the
integer 1000000 (accepted, stored as an int), while ``1.5``, ``"12"`` and ``true`` are refused (422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest

from registry.auth import SCOPE_HEARTBEAT, SCOPE_READ
from registry.cli import openapi_document
from registry.config import RegistrySettings
from tests.security.registry_fixtures import (  # noqa: F401 - pytest fixtures
    bearer,
    clean_registry,
    client_for,
    make_settings,
    registry_pg_url,
    registry_redis_url,
)

DOC: dict[str, Any] = openapi_document()
PAYLOAD_SCHEMA = {**DOC["components"]["schemas"]["HeartbeatPayload"], "components": DOC["components"]}
BEAT = bearer(SCOPE_HEARTBEAT, tag="ocr")


def _schema_accepts(body: dict[str, Any]) -> bool:
    """What the committed contract says (JSON Schema 2020-12, as OpenAPI 3.1 uses; schemathesis' validator)."""
    return bool(jsonschema_rs.Draft202012Validator(PAYLOAD_SCHEMA).is_valid(body))


@pytest.mark.parametrize("field", ["queue_size", "active_tasks"])
def test_the_document_says_integer(field: str) -> None:
    assert PAYLOAD_SCHEMA["properties"][field]["type"] == "integer"


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "route"])
@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (1000000.0, True),
        (0.0, True),
        (7, True),
        (1.5, False),
        ("12", False),
        (True, False),
        (-1.0, False),
        (1e300, False),
    ],
)
def test_model_and_document_agree(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, fast_path: bool, value: Any, accepted: bool
) -> None:
    body = {"instance_id": "ocr@1", "queue_size": value, "active_tasks": value if value != 1000000.0 else 1000.0}
    assert _schema_accepts(body) is accepted
    with client_for(make_settings(heartbeat_fast_path=fast_path)) as client:
        answer = client.patch("/v1/workers/ocr/heartbeat", json=body, headers=BEAT)
        assert answer.status_code == (200 if accepted else 422), answer.text
        if accepted:
            (instance,) = client.get("/v1/workers/ocr", headers=bearer(SCOPE_READ)).json()["instances"]
            assert instance["metrics"]["queue_size"] == int(value)
            assert isinstance(instance["metrics"]["queue_size"], int)


@pytest.mark.parametrize("route", ["register", "heartbeat-fast-path", "heartbeat-route"])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("health_endpoint", "https://\x1fR\x00m"),  # the CI fuzz run's find: a NUL reached PostgreSQL (500)
        ("health_endpoint", "http://ocr-1:9801/\x00"),
        ("version", "1.0\x00"),
        ("version", "1.0\n"),
        ("host", "ocr\x7f"),
    ],
)
def test_control_characters_are_refused_not_stored(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, route: str, field: str, value: str
) -> None:
    """NUL cannot be stored in PostgreSQL text and no version, host or URL holds a control character: 422, as the
    document says, on every way in, and nothing is registered."""
    body = {"instance_id": "ocr@1", field: value}
    assert not _schema_accepts(body)
    with client_for(make_settings(heartbeat_fast_path=route == "heartbeat-fast-path")) as client:
        if route == "register":
            answer = client.post("/v1/workers/ocr/instances", json=body, headers=BEAT)
        else:
            answer = client.patch("/v1/workers/ocr/heartbeat", json=body, headers=BEAT)
        assert answer.status_code == 422, answer.text
        listed = client.get("/v1/workers", headers=bearer(SCOPE_READ)).json()
        assert listed["total_instances"] == 0, listed


def test_printable_unicode_is_still_accepted(
    make_settings: Callable[..., RegistrySettings], clean_registry: None
) -> None:
    body = {"instance_id": "ocr@1", "version": "2.1.0+gâ", "host": "ocr-7d9f", "health_endpoint": "http://ocr:9801/ș"}
    assert _schema_accepts(body)
    with client_for(make_settings()) as client:
        assert client.post("/v1/workers/ocr/instances", json=body, headers=BEAT).status_code == 201
        (instance,) = client.get("/v1/workers/ocr", headers=bearer(SCOPE_READ)).json()["instances"]
        assert (instance["version"], instance["host"]) == ("2.1.0+gâ", "ocr-7d9f")
