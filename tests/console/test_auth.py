"""Roles from JWT claims: HS256 tokens and an OIDC issuer's JWKS (served over real HTTP); refusals; the audit
table is append-only for the application (UPDATE/DELETE/TRUNCATE refused by the database)."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from console.audit import AuditLog, AuditQuery
from console.auth import ADMIN, OPERATOR, VIEWER, Principal, TokenVerifier, mint_token
from console.config import ConsoleSettings
from console.errors import ForbiddenError, NotAuthenticated
from tests.registry.helpers import ThreadServer

ISSUER = "https://idp.example.test"


@pytest.fixture(scope="module")
def oidc() -> tuple[object, ThreadServer]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update(kid="k1", use="sig", alg="RS256")
    app = FastAPI()

    @app.get("/jwks")
    def jwks() -> dict[str, object]:
        return {"keys": [jwk]}

    server = ThreadServer(app).start()
    yield key, server
    server.stop()


def _oidc_token(key: object, *, roles: object, aud: str = "workers-console", iss: str = ISSUER, ttl: int = 600) -> str:
    now = int(time.time())
    claims = {"iss": iss, "aud": aud, "sub": "ana@example.test", "roles": roles, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


def test_hs256_roles_and_refusals(console_settings) -> None:
    settings = console_settings()
    verifier = TokenVerifier(settings)
    for role in (VIEWER, OPERATOR, ADMIN):
        who = verifier.verify(mint_token(settings, subject="x", role=role))
        assert who.role == role
    viewer = verifier.verify(mint_token(settings, subject="v", role=VIEWER))
    with pytest.raises(ForbiddenError):
        viewer.require(OPERATOR)
    with pytest.raises(NotAuthenticated, match="expired"):
        verifier.verify(mint_token(settings, subject="x", role=ADMIN, ttl=-60))
    unsigned = jwt.encode({"sub": "x", "roles": ["admin"], "iat": 1, "exp": 2**31}, key=None, algorithm="none")
    with pytest.raises(NotAuthenticated):
        verifier.verify(unsigned)
    other = ConsoleSettings(**{**settings.model_dump(), "jwt_secret": "another-secret-" + "x" * 40})
    with pytest.raises(NotAuthenticated):
        verifier.verify(mint_token(other, subject="x", role=ADMIN))
    now = int(time.time())
    no_role = jwt.encode(
        {
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "sub": "x",
            "iat": now,
            "exp": now + 60,
            "roles": ["superuser"],
        },
        settings.jwt_secret.get_secret_value(),
        "HS256",
    )
    with pytest.raises(ForbiddenError, match="no console role"):
        verifier.verify(no_role)


def test_oidc_tokens_through_the_issuer_jwks(console_settings, oidc) -> None:
    key, server = oidc
    settings = console_settings(oidc_issuer=ISSUER, oidc_jwks_url=f"{server.url}/jwks")
    verifier = TokenVerifier(settings)
    who = verifier.verify(_oidc_token(key, roles="viewer operator"))
    assert who == Principal("ana@example.test", OPERATOR, ISSUER)
    with pytest.raises(NotAuthenticated):
        verifier.verify(_oidc_token(key, roles=["admin"], iss="https://evil.example.test"))
    with pytest.raises(NotAuthenticated):
        verifier.verify(_oidc_token(key, roles=["admin"], aud="someone-else"))
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(NotAuthenticated):
        verifier.verify(_oidc_token(stranger, roles=["admin"]))


def test_weak_secret_refused_outside_development(console_db) -> None:
    with pytest.raises(ValueError, match="shorter than 32 bytes"):
        ConsoleSettings(database_url=console_db, jwt_secret="short", workers_core_env="production")
    with pytest.raises(ValueError, match="placeholder"):
        ConsoleSettings(database_url=console_db, jwt_secret="changeme", workers_core_env="production")
    ConsoleSettings(database_url=console_db, jwt_secret="short", workers_core_env="development")


def test_audit_is_append_only(history) -> None:
    audit = AuditLog(history.engine)
    marker = f"target-{uuid.uuid4().hex[:8]}"
    audit.record(
        Principal("a", ADMIN, "t"), "dlq.discard", target=marker, params={"id": ["1"]}, outcome="ok", source="127.0.0.1"
    )
    [row] = audit.list(AuditQuery(target=marker))
    assert row["actor"] == "a" and row["params"] == {"id": ["1"]} and row["source"] == "127.0.0.1"
    for statement in (
        f"UPDATE console_audit SET outcome = 'x' WHERE target = '{marker}'",
        f"DELETE FROM console_audit WHERE target = '{marker}'",
        "TRUNCATE console_audit",
    ):
        with pytest.raises(DBAPIError, match="append-only"), history.engine.begin() as conn:
            conn.execute(text(statement))
    assert len(audit.list(AuditQuery(target=marker))) == 1
