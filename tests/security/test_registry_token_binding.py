"""Issue 16 item 1: a worker token acts only for its own tag (and instance), on the route AND the fast path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner

from registry.auth import SCOPE_ADMIN, SCOPE_HEARTBEAT, SCOPE_READ
from registry.cli import cli
from registry.config import RegistrySettings
from tests.security.registry_fixtures import (  # noqa: F401 - pytest fixtures
    SECRET,
    bearer,
    clean_registry,
    client_for,
    make_settings,
    registry_pg_url,
    registry_redis_url,
)

OCR = bearer(SCOPE_HEARTBEAT, tag="ocr")
BODY = {"instance_id": "pdf@victim", "version": "1.0"}


def _instances(client: Any, tag: str) -> list[str]:
    answer = client.get(f"/v1/workers/{tag}", headers=bearer(SCOPE_READ))
    return [] if answer.status_code == 404 else [i["instance_id"] for i in answer.json()["instances"]]


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "route"])
def test_a_token_for_ocr_cannot_write_pdf_render(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, fast_path: bool
) -> None:
    with client_for(make_settings(heartbeat_fast_path=fast_path)) as client:
        victim = client.post(
            "/v1/workers/pdf.render/instances", json=BODY, headers=bearer(SCOPE_HEARTBEAT, tag="pdf.render")
        )
        assert victim.status_code == 201
        attacks = [
            client.post("/v1/workers/pdf.render/instances", json={**BODY, "instance_id": "pdf@evil"}, headers=OCR),
            client.patch("/v1/workers/pdf.render/heartbeat", json=BODY, headers=OCR),
            client.patch("/v1/workers/pdf.render/heartbeat", json={**BODY, "instance_id": "pdf@evil"}, headers=OCR),
            client.delete("/v1/workers/pdf.render/instances/pdf@victim", headers=OCR),
        ]
        for answer in attacks:
            assert answer.status_code == 403, answer.text
            assert answer.json()["code"] == "tag_not_allowed"
            assert 'error="insufficient_scope"' in answer.headers["www-authenticate"]
        assert _instances(client, "pdf.render") == ["pdf@victim"]
        stored = client.get("/v1/workers/pdf.render", headers=bearer(SCOPE_READ)).json()["instances"][0]
        assert stored["status"] == "running"  # not unregistered by the ocr token


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "route"])
def test_unbound_and_instance_bound_tokens(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, fast_path: bool
) -> None:
    unbound = bearer(SCOPE_HEARTBEAT)
    pod = bearer(SCOPE_HEARTBEAT, tag="ocr", instance="ocr@pod-1")
    with client_for(make_settings(heartbeat_fast_path=fast_path)) as client:
        for answer in (
            client.patch("/v1/workers/ocr/heartbeat", json={"instance_id": "ocr@pod-1"}, headers=unbound),
            client.post("/v1/workers/ocr/instances", json={"instance_id": "ocr@pod-1"}, headers=unbound),
            client.patch("/v1/workers/ocr/heartbeat", json={"instance_id": "ocr@pod-2"}, headers=pod),
            client.post("/v1/workers/ocr/instances", json={"instance_id": "ocr@pod-2"}, headers=pod),
            client.delete("/v1/workers/ocr/instances/ocr@pod-2", headers=pod),
        ):
            assert answer.status_code == 403 and answer.json()["code"] == "tag_not_allowed", answer.text
        assert (
            client.patch("/v1/workers/ocr/heartbeat", json={"instance_id": "ocr@pod-1"}, headers=pod).status_code == 200
        )
        assert (
            client.post("/v1/workers/ocr/instances", json={"instance_id": "ocr@pod-1"}, headers=pod).status_code == 201
        )
        assert client.delete("/v1/workers/ocr/instances/ocr@pod-1", headers=pod).status_code == 200
        assert _instances(client, "ocr") == ["ocr@pod-1"]


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "route"])
def test_admin_tokens_keep_full_rights(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, fast_path: bool
) -> None:
    admin = bearer(SCOPE_ADMIN)
    with client_for(make_settings(heartbeat_fast_path=fast_path)) as client:
        for tag in ("ocr", "pdf.render"):
            assert (
                client.post(f"/v1/workers/{tag}/instances", json={"instance_id": "x@1"}, headers=admin).status_code
                == 201
            )
            assert (
                client.patch(f"/v1/workers/{tag}/heartbeat", json={"instance_id": "x@1"}, headers=admin).status_code
                == 200
            )
            assert client.delete(f"/v1/workers/{tag}/instances/x@1", headers=admin).status_code == 200


def test_a_wrongly_typed_tag_claim_is_a_bad_token(
    make_settings: Callable[..., RegistrySettings], clean_registry: None
) -> None:
    import jwt

    from registry.auth import mint_token

    settings = RegistrySettings(jwt_secret=SECRET, workers_core_env="test")
    good = jwt.decode(
        mint_token(settings, subject="w", scopes=[SCOPE_HEARTBEAT], ttl=60, tag="ocr"),
        options={"verify_signature": False},
    )
    forged = jwt.encode({**good, "tag": ["ocr", "pdf.render"]}, SECRET, algorithm="HS256")
    with client_for(make_settings()) as client:
        answer = client.patch(
            "/v1/workers/ocr/heartbeat", json={"instance_id": "ocr@1"}, headers={"Authorization": f"Bearer {forged}"}
        )
    assert answer.status_code == 401 and "tag" in answer.json()["message"]


def test_cli_mints_bound_worker_tokens_only() -> None:
    from registry.auth import TokenVerifier
    from registry.config import get_settings

    env = {"REGISTRY_JWT_SECRET": SECRET, "WORKERS_CORE_ENV": "test"}
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(cli, ["token", "--scope", "workers:heartbeat"], env=env)
        assert refused.exit_code == 2 and "--tag" in refused.output
        made = CliRunner().invoke(
            cli, ["token", "--scope", "workers:heartbeat", "--tag", "pdf.render", "--instance", "pdf@1"], env=env
        )
        assert made.exit_code == 0, made.output
    finally:
        get_settings.cache_clear()
    principal = TokenVerifier(RegistrySettings(jwt_secret=SECRET, workers_core_env="test")).verify(made.output.strip())
    assert (principal.subject, principal.tag, principal.instance) == ("worker:pdf.render", "pdf.render", "pdf@1")
