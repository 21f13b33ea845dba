"""Bearer JWTs: forged, expired, alg none, wrong audience, missing claims, RS256, and scope wildcards."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth import Caller, mint_token
from tests.support.gateway import GatewayServer, strong_secret

PDF = {"html": "<p>x</p>"}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unsigned(claims: dict[str, object]) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def _post(http: httpx.Client, token: str, task: str = "pdf.render") -> httpx.Response:
    return http.post(f"/v1/tasks/{task}", json=PDF, headers={"Authorization": f"Bearer {token}"})


def test_bad_tokens_are_401(gateway: GatewayServer, http: httpx.Client) -> None:
    now = time.time()
    claims = {
        "sub": "x",
        "tenant": "acme",
        "aud": "workers-core-gateway",
        "scope": "tasks:send:*",
        "iat": int(now),
        "exp": int(now) + 600,
    }
    cases = {
        "forged": mint_token(strong_secret(), sub="x", tenant="acme", scopes=["tasks:send:*"]),
        "expired": gateway.token(ttl_s=-60 - gateway.settings.jwt_leeway),
        "alg none": _unsigned(claims),
        "wrong audience": gateway.token(audience="workers-registry"),
        "garbage": "not.a.jwt",
    }
    for name, token in cases.items():
        response = _post(http, token)
        assert response.status_code == 401, name
        assert response.json()["error"]["code"] == "unauthorized", name
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), name
    assert "expired" in _post(http, cases["expired"]).json()["error"]["message"]
    assert "audience" in _post(http, cases["wrong audience"]).json()["error"]["message"]
    missing = http.post("/v1/tasks/pdf.render", json=PDF)
    assert missing.status_code == 401


def test_tenant_claim_is_required(gateway: GatewayServer, http: httpx.Client) -> None:
    import jwt

    now = int(time.time())
    token = jwt.encode(
        {"sub": "x", "aud": "workers-core-gateway", "scope": "tasks:send:*", "iat": now, "exp": now + 600},
        gateway.secret,
        algorithm="HS256",
    )
    response = _post(http, token)
    assert response.status_code == 401 and "tenant" in response.json()["error"]["message"]


def test_the_body_is_not_read_before_authentication(gateway: GatewayServer, http: httpx.Client) -> None:
    response = http.post("/v1/tasks/pdf.render", content=b"x" * 10, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("scopes", "allowed", "refused"),
    [
        (("tasks:send:efactura.submit",), ["efactura.submit"], ["efactura.poll", "email.send"]),
        (("tasks:send:efactura.*",), ["efactura.submit", "efactura.poll"], ["etransport.submit", "email.send"]),
        (("tasks:send:*",), ["efactura.submit", "email.send", "reges.submit"], []),
        (("tasks:read",), [], ["email.send"]),
        (("tasks:send:email.send_batch",), ["email.send_batch"], ["email.send"]),
    ],
)
def test_scope_matching(scopes: tuple[str, ...], allowed: list[str], refused: list[str]) -> None:
    caller = Caller("x", "acme", frozenset(scopes))
    assert all(caller.may_send(name) for name in allowed)
    assert not any(caller.may_send(name) for name in refused)


def test_a_scope_for_another_task_is_403(gateway: GatewayServer, http: httpx.Client) -> None:
    response = _post(http, gateway.token(scopes=("tasks:send:email.*", "tasks:read")))
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "insufficient_scope" and error["details"]["required_scope"] == "tasks:send:pdf.render"


def test_rs256_tokens_with_the_configured_public_key(gateway_broker_url: str, redis_url: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with GatewayServer(gateway_broker_url, redis_url, jwt_public_key=public, jwt_issuer="suite-idp") as server:
        good = mint_token(
            private, sub="x", tenant="acme", scopes=["tasks:send:*"], algorithm="RS256", issuer="suite-idp"
        )
        wrong_issuer = mint_token(
            private, sub="x", tenant="acme", scopes=["tasks:send:*"], algorithm="RS256", issuer="someone"
        )
        with httpx.Client(base_url=server.url) as http:
            assert http.get("/v1/tasks", headers={"Authorization": f"Bearer {good}"}).status_code == 200
            refused = http.get("/v1/tasks", headers={"Authorization": f"Bearer {wrong_issuer}"})
            assert refused.status_code == 401 and "issuer" in refused.json()["error"]["message"]
