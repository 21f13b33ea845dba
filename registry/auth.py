"""JWT bearer authentication (pyjwt): issuer, audience, keys and algorithms from settings; scopes per route.

Scopes: ``workers:read`` (list, health, discovery, topology, scaling), ``workers:heartbeat`` (a worker's
own registration, heartbeats and unregistration) and ``workers:admin`` (everything, incl. removal).
Tokens carry them in ``scope`` (space separated, RFC 8693) or ``scp``/``scopes`` (list). ``exp``, ``iat``
and ``sub`` are required. ``alg: none`` is never accepted; the algorithm must be one of
``REGISTRY_JWT_ALGORITHMS`` and decides the key (HS* -> secret, others -> public key or JWKS).

Worker tokens are bound: the ``tag`` claim names the one worker tag the token may register, heartbeat and
unregister, and an optional ``instance`` claim narrows it to one instance id (``Principal.require_worker``,
the one check every write path calls). Admin tokens keep full rights.

Key rotation: a token's ``kid`` header picks the key (``REGISTRY_JWT_SECRET_KID`` /
``REGISTRY_JWT_PREVIOUS_SECRET_KID`` for HMAC, the JWKS for asymmetric keys); a token without ``kid`` is
checked against every configured HMAC secret (at most two: the current and the previous one).
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
from registry.errors import AuthError, ScopeError, TagBindingError
from registry.keystrength import key_problem

__all__ = ["SCOPES", "SCOPE_ADMIN", "SCOPE_HEARTBEAT", "SCOPE_READ", "Principal", "TokenVerifier", "mint_token"]

SCOPE_ADMIN: Final = "workers:admin"
SCOPE_READ: Final = "workers:read"
SCOPE_HEARTBEAT: Final = "workers:heartbeat"
SCOPES: Final = {
    SCOPE_ADMIN: "Administer the registry (remove tags) and everything below.",
    SCOPE_READ: "Read workers, health, discovery, topology and scaling hints.",
    SCOPE_HEARTBEAT: "A worker's own registration, heartbeats and unregistration (the token's `tag` claim).",
}
_CACHE_SIZE: Final = 4096


@dataclass(frozen=True)
class Principal:
    """Who called: the token's subject, its (expanded) scopes and, for a worker token, its tag and instance."""

    subject: str
    scopes: frozenset[str]
    tag: str | None = None
    instance: str | None = None

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise ScopeError(f"the token lacks scope {scope!r}", details={"required_scope": scope})

    def require_worker(self, tag: str, instance_id: str | None = None) -> None:
        """May this token write instance ``instance_id`` of ``tag``? (403 otherwise; admin may write any.)"""
        self.require(SCOPE_HEARTBEAT)
        if SCOPE_ADMIN in self.scopes:
            return
        details = {"required_scope": SCOPE_HEARTBEAT, "tag": tag, "token_tag": self.tag}
        if self.tag is None:
            raise TagBindingError("the worker token is not bound to a tag (mint it with --tag)", details=details)
        if self.tag != tag:
            raise TagBindingError(f"the token is bound to worker tag {self.tag!r}, not {tag!r}", details=details)
        if instance_id is not None and self.instance is not None and self.instance != instance_id:
            raise TagBindingError(
                f"the token is bound to instance {self.instance!r}, not {instance_id!r}",
                details={**details, "instance_id": instance_id, "token_instance": self.instance},
            )


def _scopes(claims: dict[str, Any]) -> frozenset[str]:
    raw = claims.get("scope", claims.get("scp", claims.get("scopes", ())))
    values = raw.split() if isinstance(raw, str) else [str(s) for s in raw] if isinstance(raw, list) else []
    scopes = set(values)
    if SCOPE_ADMIN in scopes:
        scopes |= {SCOPE_READ, SCOPE_HEARTBEAT}
    return frozenset(scopes)


def _claim(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise AuthError(f"token claim {name!r} must be a non-empty string")
    return value


_REJECTIONS: Final[tuple[tuple[type[Exception], str], ...]] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.InvalidAudienceError, "token audience is not this registry"),
    (jwt.InvalidIssuerError, "token issuer is not trusted"),
    (jwt.InvalidSignatureError, "token signature is invalid"),
)


class TokenVerifier:
    """Verifies bearer tokens against the configured keys; raises ``AuthError`` (401) on any problem."""

    def __init__(self, settings: RegistrySettings, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self._secrets = settings.hmac_secrets()
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
        claims = self._decode(token)
        principal = Principal(
            str(claims.get("sub")), _scopes(claims), tag=_claim(claims, "tag"), instance=_claim(claims, "instance")
        )
        self._cache[token] = (principal, float(claims["exp"]))
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return principal

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            alg = str(header.get("alg", ""))
            if alg not in self.settings.jwt_algorithms:
                raise AuthError(
                    f"token algorithm {alg!r} is not accepted", details={"accepted": self.settings.jwt_algorithms}
                )
            keys = self._keys(alg, header)
            for index, key in enumerate(keys):
                try:
                    return self._decode_with(token, key, alg)
                except jwt.InvalidSignatureError:
                    if index == len(keys) - 1:
                        raise
            raise AuthError("no key to check the token with")  # pragma: no cover - _keys never returns []
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"token lacks the {exc.claim!r} claim") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            message = next((text for kind, text in _REJECTIONS if isinstance(exc, kind)), f"token rejected: {exc}")
            raise AuthError(message) from exc

    def _decode_with(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=self.settings.jwt_audience,
            issuer=self.settings.jwt_issuer,
            leeway=self.settings.jwt_leeway,
            options={"require": ["exp", "iat", "sub"]},
        )
        return claims

    def _keys(self, alg: str, header: dict[str, Any]) -> list[Any]:
        kid = header.get("kid")
        if alg.startswith("HS"):
            if not self._secrets:
                raise AuthError("HMAC tokens are not accepted (no REGISTRY_JWT_SECRET)")
            if kid is None:
                return [secret for _, secret in self._secrets]
            chosen = [secret for secret_kid, secret in self._secrets if secret_kid == str(kid)]
            if not chosen:
                raise AuthError(f"unknown key id {kid!r}")
            return chosen
        return [self._public_key(kid)]

    def _public_key(self, kid: Any) -> Any:
        if self._jwks is not None:
            try:
                jwk: PyJWK = self._jwks[str(kid)] if kid is not None else self._jwks.keys[0]
            except KeyError as exc:
                raise AuthError(f"unknown key id {kid!r}") from exc
            return jwk.key
        if self._jwks_client is not None:
            if kid is None:
                raise AuthError("token has no key id ('kid') to look up in the JWKS")
            key = self._jwks_client.get_signing_key(str(kid)).key
            weak = None if self.settings.workers_core_env == "development" else key_problem(f"JWKS key {kid!r}", key)
            if weak is not None:
                raise AuthError(f"token signed with a key refused as too weak: {weak}")
            return key
        if not self._public:
            raise AuthError("asymmetric tokens are not accepted (no public key configured)")
        return self._public


def mint_token(
    settings: RegistrySettings,
    *,
    subject: str,
    scopes: list[str],
    ttl: float,
    private_key: str | None = None,
    algorithm: str | None = None,
    now: float | None = None,
    tag: str | None = None,
    instance: str | None = None,
    kid: str | None = None,
) -> str:
    """Issue a token this registry accepts (operators' CLI and tests); HS256 with the current secret by default.

    ``tag`` (and ``instance``) bind a ``workers:heartbeat`` token to one worker; ``kid`` defaults to
    ``REGISTRY_JWT_SECRET_KID`` for HMAC tokens.
    """
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "scope": " ".join(scopes),
        "iat": issued,
        "exp": issued + int(ttl),
    }
    claims.update({name: value for name, value in (("tag", tag), ("instance", instance)) if value is not None})
    if private_key is not None:
        headers = {"kid": kid} if kid else None
        return jwt.encode(claims, private_key, algorithm=algorithm or "RS256", headers=headers)
    if settings.jwt_secret is None:
        raise AuthError("no REGISTRY_JWT_SECRET to sign with (pass a private key)")
    key_id = kid or settings.jwt_secret_kid
    return jwt.encode(
        claims,
        settings.jwt_secret.get_secret_value(),
        algorithm=algorithm or "HS256",
        headers={"kid": key_id} if key_id else None,
    )
