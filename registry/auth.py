"""JWT bearer authentication (pyjwt): issuer, audience, keys and algorithms from settings; scopes per route.

Scopes: ``workers:read`` (list, health, discovery, topology, scaling), ``workers:heartbeat`` (a worker's
own registration, heartbeats and unregistration) and ``workers:admin`` (everything, incl. removal).
Tokens carry them in ``scope`` (space separated, RFC 8693) or ``scp``/``scopes`` (list). ``exp``, ``iat``
and ``sub`` are required. ``alg: none`` is never accepted; the algorithm must be one of
``REGISTRY_JWT_ALGORITHMS`` and decides the key (HS* -> secret, others -> public key or JWKS).
Verified tokens are cached until they expire, so a heartbeat pays for one signature check per token.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet

from registry.config import RegistrySettings
from registry.errors import AuthError, ScopeError

__all__ = ["SCOPES", "SCOPE_ADMIN", "SCOPE_HEARTBEAT", "SCOPE_READ", "Principal", "TokenVerifier", "mint_token"]

SCOPE_ADMIN: Final = "workers:admin"
SCOPE_READ: Final = "workers:read"
SCOPE_HEARTBEAT: Final = "workers:heartbeat"
SCOPES: Final = {
    SCOPE_ADMIN: "Administer the registry (remove tags) and everything below.",
    SCOPE_READ: "Read workers, health, discovery, topology and scaling hints.",
    SCOPE_HEARTBEAT: "A worker's own registration, heartbeats and unregistration.",
}
_CACHE_SIZE: Final = 4096


@dataclass(frozen=True)
class Principal:
    """Who called: the token's subject and its (expanded) scopes."""

    subject: str
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise ScopeError(f"the token lacks scope {scope!r}", details={"required_scope": scope})


def _scopes(claims: dict[str, Any]) -> frozenset[str]:
    raw = claims.get("scope", claims.get("scp", claims.get("scopes", ())))
    values = raw.split() if isinstance(raw, str) else [str(s) for s in raw] if isinstance(raw, list) else []
    scopes = set(values)
    if SCOPE_ADMIN in scopes:
        scopes |= {SCOPE_READ, SCOPE_HEARTBEAT}
    return frozenset(scopes)


class TokenVerifier:
    """Verifies bearer tokens against the configured keys; raises ``AuthError`` (401) on any problem."""

    def __init__(self, settings: RegistrySettings, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self._secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret is not None else None
        public = settings.jwt_public_key
        if public is None and settings.jwt_public_key_file is not None:
            public = settings.jwt_public_key_file.read_text(encoding="utf-8")
        self._public = public
        self._jwks: PyJWKSet | None = None
        if settings.jwt_jwks_file is not None:
            self._jwks = PyJWKSet.from_json(settings.jwt_jwks_file.read_text(encoding="utf-8"))
        self._jwks_client = PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
        self._cache: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str) -> Principal:
        now = self.clock()
        hit = self._cache.get(token)
        if hit is not None:
            if hit[1] + self.settings.jwt_leeway > now:
                return hit[0]
            self._cache.pop(token, None)
        try:
            header = jwt.get_unverified_header(token)
            alg = str(header.get("alg", ""))
            if alg not in self.settings.jwt_algorithms:
                raise AuthError(f"token algorithm {alg!r} is not accepted", details={"accepted": self.settings.jwt_algorithms})
            claims = jwt.decode(
                token,
                self._key(alg, header),
                algorithms=[alg],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                leeway=self.settings.jwt_leeway,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthError("token audience is not this registry") from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthError("token issuer is not trusted") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthError("token signature is invalid") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"token lacks the {exc.claim!r} claim") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            raise AuthError(f"token rejected: {exc}") from exc
        principal = Principal(str(claims.get("sub")), _scopes(claims))
        self._cache[token] = (principal, float(claims["exp"]))
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return principal

    def _key(self, alg: str, header: dict[str, Any]) -> Any:
        if alg.startswith("HS"):
            if not self._secret:
                raise AuthError("HMAC tokens are not accepted (no REGISTRY_JWT_SECRET)")
            return self._secret
        kid = header.get("kid")
        if self._jwks is not None:
            try:
                jwk: PyJWK = self._jwks[str(kid)] if kid is not None else self._jwks.keys[0]
            except KeyError as exc:
                raise AuthError(f"unknown key id {kid!r}") from exc
            return jwk.key
        if self._jwks_client is not None:
            if kid is None:
                raise AuthError("token has no key id ('kid') to look up in the JWKS")
            return self._jwks_client.get_signing_key(str(kid)).key
        if not self._public:
            raise AuthError("asymmetric tokens are not accepted (no public key configured)")
        return self._public


def mint_token(
    settings: RegistrySettings, *, subject: str, scopes: list[str], ttl: float, private_key: str | None = None,
    algorithm: str | None = None, now: float | None = None,
) -> str:
    """Issue a token this registry accepts (operators' CLI and tests); HS256 with the secret by default."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "scope": " ".join(scopes),
        "iat": issued,
        "exp": issued + int(ttl),
    }
    if private_key is not None:
        return jwt.encode(claims, private_key, algorithm=algorithm or "RS256")
    if settings.jwt_secret is None:
        raise AuthError("no REGISTRY_JWT_SECRET to sign with (pass a private key)")
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=algorithm or "HS256")
