"""JWT auth: every way a token can be wrong gives 401, a missing scope 403; HS, RS (PEM) and JWKS keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from pydantic import ValidationError

from registry.auth import SCOPE_ADMIN, SCOPE_HEARTBEAT, SCOPE_READ, TokenVerifier, mint_token
from registry.config import RegistrySettings
from registry.errors import AuthError, ScopeError
from registry.main import create_app
from tests.registry.conftest import SECRET
from tests.registry.helpers import payload


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": "workers-core",
        "aud": "workers-registry",
        "sub": "tester",
        "scope": SCOPE_ADMIN,
        "iat": now,
        "exp": now + 300,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("token_factory", "message"),
    [
        (lambda: f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}.", "algorithm 'none'"),
        (lambda: jwt.encode(claims(exp=int(time.time()) - 3600), SECRET, algorithm="HS256"), "expired"),
        (lambda: jwt.encode(claims(), "another-secret-of-enough-length-xx", algorithm="HS256"), "signature"),
        (lambda: jwt.encode(claims(aud="someone-else"), SECRET, algorithm="HS256"), "audience"),
        (lambda: jwt.encode(claims(iss="evil"), SECRET, algorithm="HS256"), "issuer"),
        (lambda: jwt.encode(claims(sub=None), SECRET, algorithm="HS256"), "'sub'"),
        (lambda: jwt.encode(claims(), SECRET, algorithm="HS512"), "algorithm 'HS512'"),
        (lambda: "not-a-jwt", "rejected"),
    ],
    ids=["alg-none", "expired", "wrong-signature", "wrong-audience", "wrong-issuer", "no-sub", "other-alg", "garbage"],
)
def test_bad_tokens_get_401(client: TestClient, token_factory: Callable[[], str], message: str) -> None:
    response = client.get("/v1/workers", headers=bearer(token_factory()))
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthorized"
    assert message in response.json()["message"]
    assert response.headers["www-authenticate"].startswith('Bearer realm="workers-registry"')


def test_missing_token_and_wrong_scheme_get_401(client: TestClient) -> None:
    assert client.get("/v1/workers").status_code == 401
    assert client.get("/v1/workers", headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code == 401
    assert client.patch("/v1/workers/ocr/heartbeat", json=payload()).status_code == 401


def test_scopes(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    read, beat, admin = auth(SCOPE_READ), auth(SCOPE_HEARTBEAT, tag="ocr"), auth(SCOPE_ADMIN)
    assert client.patch("/v1/workers/ocr/heartbeat", json=payload(), headers=beat).status_code == 200
    denied = client.patch("/v1/workers/ocr/heartbeat", json=payload(), headers=read)
    assert denied.status_code == 403 and denied.json()["code"] == "insufficient_scope"
    assert 'error="insufficient_scope", scope="workers:heartbeat"' in denied.headers["www-authenticate"]
    assert client.get("/v1/workers", headers=beat).status_code == 403
    assert client.delete("/v1/workers/ocr", headers=read).status_code == 403
    assert client.delete("/v1/workers/ocr", headers=beat).status_code == 403
    assert client.get("/v1/workers", headers=read).status_code == 200
    assert client.get("/v1/workers", headers=admin).status_code == 200  # admin implies read
    assert client.delete("/v1/workers/ocr", headers=admin).status_code == 200
    no_scope = jwt.encode(claims(scope=None), SECRET, algorithm="HS256")
    assert client.get("/v1/workers", headers=bearer(no_scope)).status_code == 403
    listed = jwt.encode(claims(scope=None, scp=[SCOPE_READ]), SECRET, algorithm="HS256")
    assert client.get("/v1/workers", headers=bearer(listed)).status_code == 200


def test_ops_routes_need_no_token(client: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert client.get(path).status_code == 200, path


def _rsa_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def test_rs256_public_key_and_no_key_confusion(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, tmp_path: Path
) -> None:
    private, public = _rsa_pem()
    key_file = tmp_path / "registry.pub"
    key_file.write_text(public)
    settings = make_settings(jwt_secret=None, jwt_public_key_file=key_file, jwt_algorithms="RS256")
    with TestClient(create_app(settings)) as client:
        good = mint_token(settings, subject="ops", scopes=[SCOPE_READ], ttl=60, private_key=private)
        assert client.get("/v1/workers", headers=bearer(good)).status_code == 200
        # the public key used as an HMAC secret (algorithm confusion) must not pass
        signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(claims())}"
        mac = hmac.new(public.encode(), signing_input.encode(), hashlib.sha256).digest()
        confused = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
        assert client.get("/v1/workers", headers=bearer(confused)).status_code == 401
        other_private, _ = _rsa_pem()
        forged = mint_token(settings, subject="ops", scopes=[SCOPE_READ], ttl=60, private_key=other_private)
        assert client.get("/v1/workers", headers=bearer(forged)).status_code == 401


def test_jwks_file_selects_key_by_kid(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", alg="ES256", use="sig")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    settings = RegistrySettings(jwt_jwks_file=jwks, jwt_algorithms=["ES256"], workers_core_env="test")
    verifier = TokenVerifier(settings)
    good = jwt.encode(claims(scope=SCOPE_HEARTBEAT), key, algorithm="ES256", headers={"kid": "k1"})
    principal = verifier.verify(good)
    assert principal.subject == "tester" and SCOPE_HEARTBEAT in principal.scopes
    with pytest.raises(ScopeError):
        principal.require(SCOPE_ADMIN)
    unknown = jwt.encode(claims(), key, algorithm="ES256", headers={"kid": "k2"})
    with pytest.raises(AuthError, match="unknown key id"):
        verifier.verify(unknown)
    with pytest.raises(AuthError, match="HS256"):
        verifier.verify(jwt.encode(claims(), SECRET, algorithm="HS256"))


def test_cached_tokens_still_expire() -> None:
    settings = RegistrySettings(jwt_secret=SECRET, workers_core_env="test", jwt_leeway=0)
    verifier = TokenVerifier(settings)
    token = mint_token(settings, subject="w", scopes=[SCOPE_HEARTBEAT], ttl=1)
    assert verifier.verify(token).subject == "w"
    assert verifier.verify(token).subject == "w"  # served from the cache
    time.sleep(1.2)
    with pytest.raises(AuthError, match="expired"):
        verifier.verify(token)  # the cache never outlives exp


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"jwt_algorithms": "none"}, "none"),
        ({"jwt_algorithms": "HS256,none"}, "none"),
        ({"jwt_algorithms": ""}, "at least one"),
        ({"jwt_secret": None}, "no JWT verification key"),
        ({"jwt_secret": "changeme", "workers_core_env": "production"}, "placeholder"),
        ({"scaling_limits": '{"ocr": [3, 1]}'}, "scaling_limits"),
        ({"scaling_min_replicas": 5, "scaling_max_replicas": 2}, "scaling_min_replicas"),
    ],
)
def test_settings_refuse_unsafe_configuration(overrides: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {"jwt_secret": SECRET, "workers_core_env": "test", **overrides}
    with pytest.raises(ValidationError, match=message):
        RegistrySettings(**values)


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_JWT_SECRET", SECRET)
    monkeypatch.setenv("REGISTRY_JWT_ALGORITHMS", "HS256, RS256")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/registry")
    monkeypatch.setenv("REGISTRY_SCALING_LIMITS", '{"ocr": [2, 4]}')
    monkeypatch.setenv("WORKERS_CORE_ENV", "test")
    settings = RegistrySettings()
    assert settings.jwt_algorithms == ["HS256", "RS256"] and settings.asymmetric
    assert settings.database_url == "postgresql+psycopg://u@db:5432/registry"
    assert settings.limits_for("ocr") == (2, 4) and settings.limits_for("reges") == (1, 10)
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "sqlite:///x.db")
    assert RegistrySettings().database_url == "sqlite:///x.db"
