"""Issue 16 items 4 and 7: weak JWT keys refused outside development in one clear line, key rotation with
``kid`` (two secrets valid at once), and a JWT leeway of 5 s by default."""

from __future__ import annotations

import base64
import json
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from registry.auth import SCOPE_READ, TokenVerifier, mint_token
from registry.config import RegistrySettings
from registry.errors import AuthError

STRONG = secrets.token_urlsafe(32)
OLD = secrets.token_hex(32)


def _refusal(**values: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        RegistrySettings(workers_core_env="production", **values)
    (error,) = caught.value.errors()
    message = str(error["msg"])
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("secret", "says"),
    [
        ("a", "REGISTRY_JWT_SECRET is too short: 1 characters"),
        ("password1", "REGISTRY_JWT_SECRET is too short"),
        ("a" * 64, "REGISTRY_JWT_SECRET is guessable"),
        ("password" * 8, "REGISTRY_JWT_SECRET is guessable"),
        ("correct-horse-battery-staple-correct-horse-battery-staple", "REGISTRY_JWT_SECRET is guessable"),
        ("Correct-Horse-Battery-Staple-1234-Tr0ub4dor&3-Monkey-Dragon!!", "REGISTRY_JWT_SECRET is guessable"),
        ("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "REGISTRY_JWT_SECRET is guessable"),
        ("0123456789abcdef" * 4, "REGISTRY_JWT_SECRET is guessable"),
        ("qwertyuiopasdfghjklzxcvbnm" * 2, "REGISTRY_JWT_SECRET is guessable"),
        (secrets.token_hex(16), "REGISTRY_JWT_SECRET is too short"),  # 16 random bytes are not 32
    ],
)
def test_weak_secrets_are_refused_outside_development(secret: str, says: str) -> None:
    message = _refusal(jwt_secret=secret)
    assert says in message and "32 random bytes" in message and "development" in message
    RegistrySettings(jwt_secret=secret, workers_core_env="development")  # a laptop may use anything


def test_a_weak_previous_secret_is_refused_too() -> None:
    assert "REGISTRY_JWT_PREVIOUS_SECRET is too short" in _refusal(jwt_secret=STRONG, jwt_previous_secret="old")


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_hex(32),
        lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
        lambda: base64.b32encode(secrets.token_bytes(32)).decode(),
    ],
    ids=["token_urlsafe", "token_hex", "base64", "base32"],
)
def test_32_random_bytes_pass_in_every_usual_encoding(make: Any) -> None:
    for _ in range(25):
        RegistrySettings(jwt_secret=make(), workers_core_env="production")


def _pem(key: Any) -> str:
    return str(
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_asymmetric_keys_need_a_proper_size(tmp_path: Path) -> None:
    base: dict[str, Any] = {"jwt_secret": None, "jwt_algorithms": "RS256,ES256"}
    small_rsa = _pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    assert "RSA key of 1024 bits" in _refusal(jwt_public_key=small_rsa, **base)
    small_ec = _pem(ec.generate_private_key(ec.SECP192R1()))
    assert "P-256 or larger" in _refusal(jwt_public_key=small_ec, **base)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{"kty": "oct", "kid": "short", "k": "c2hvcnQ"}]}))
    assert "HMAC key of 5 bytes" in _refusal(jwt_jwks_file=jwks, jwt_secret=None, jwt_algorithms="HS256")
    for good in (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec.generate_private_key(ec.SECP256R1()),
    ):
        RegistrySettings(jwt_public_key=_pem(good), workers_core_env="production", **base)


def test_rotation_with_kid_keeps_two_secrets_valid() -> None:
    old_only = RegistrySettings(jwt_secret=OLD, jwt_secret_kid="2026-01", workers_core_env="production")
    before = mint_token(old_only, subject="w", scopes=[SCOPE_READ], ttl=600)
    legacy = mint_token(
        RegistrySettings(jwt_secret=OLD, workers_core_env="production"), subject="w", scopes=[SCOPE_READ], ttl=600
    )  # minted before kids were used
    assert jwt.get_unverified_header(before)["kid"] == "2026-01"

    rotating = RegistrySettings(
        jwt_secret=STRONG,
        jwt_secret_kid="2026-07",
        jwt_previous_secret=OLD,
        jwt_previous_secret_kid="2026-01",
        workers_core_env="production",
    )
    after = mint_token(rotating, subject="w", scopes=[SCOPE_READ], ttl=600)
    assert jwt.get_unverified_header(after)["kid"] == "2026-07"
    verifier = TokenVerifier(rotating)
    for token in (before, legacy, after):
        assert verifier.verify(token).subject == "w"
    forged = jwt.encode(
        jwt.decode(after, options={"verify_signature": False}), OLD, algorithm="HS256", headers={"kid": "2026-07"}
    )  # the old secret cannot sign as the new kid
    with pytest.raises(AuthError, match="signature"):
        verifier.verify(forged)
    with pytest.raises(AuthError, match="unknown key id"):
        verifier.verify(jwt.encode({"sub": "w"}, STRONG, algorithm="HS256", headers={"kid": "nope"}))

    done = TokenVerifier(RegistrySettings(jwt_secret=STRONG, jwt_secret_kid="2026-07", workers_core_env="production"))
    assert done.verify(after).subject == "w"
    for token in (before, legacy):
        with pytest.raises(AuthError):
            done.verify(token)


def test_leeway_defaults_to_5_seconds() -> None:
    settings = RegistrySettings(jwt_secret=STRONG, workers_core_env="production")
    assert settings.jwt_leeway == 5.0
    now = time.time()
    lately = mint_token(settings, subject="w", scopes=[SCOPE_READ], ttl=60, now=now - 63)  # expired 3 s ago
    assert TokenVerifier(settings).verify(lately).subject == "w"
    stale = mint_token(settings, subject="w", scopes=[SCOPE_READ], ttl=60, now=now - 70)  # expired 10 s ago
    with pytest.raises(AuthError, match="expired"):
        TokenVerifier(settings).verify(stale)
    assert RegistrySettings(jwt_secret=STRONG, workers_core_env="production", jwt_leeway=30).jwt_leeway == 30
