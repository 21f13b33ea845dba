"""JWT bearer authentication of gateway callers and their per-task scopes.

Claims: ``sub`` (caller id), ``tenant`` (required), ``exp`` and ``iat`` (required), ``aud`` (the gateway's
audience), ``iss`` when ``GATEWAY_JWT_ISSUER`` is set, and ``scope`` (space separated):

- ``tasks:send:<task name>`` sends exactly that task; ``tasks:send:<prefix>.*`` any task matching the
  ``fnmatch`` pattern (the tasks of one worker share a prefix: ``tasks:send:efactura.*``);
  ``tasks:send:*`` any task.
- ``tasks:read`` reads the state of any task of the caller's tenant; a ``tasks:send:`` scope covering a
  task's name also reads it.

``alg: none`` is never accepted; HS* tokens are checked with ``GATEWAY_JWT_SECRET``, RS*/ES* tokens with
the configured public key or the JWKS. Verified tokens are cached until they expire.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Final

import jwt
from jwt import PyJWKClient

from gateway.config import GatewaySettings
from gateway.errors import AuthError, ScopeError

__all__ = ["SCOPE_READ", "SEND_PREFIX", "Caller", "TokenVerifier", "mint_token"]

SCOPE_READ: Final = "tasks:read"
SEND_PREFIX: Final = "tasks:send:"
_CACHE_SIZE: Final = 8192
_REJECTIONS: Final[tuple[tuple[type[Exception], str], ...]] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.InvalidAudienceError, "token audience is not this gateway"),
    (jwt.InvalidIssuerError, "token issuer is not trusted"),
    (jwt.InvalidSignatureError, "token signature is invalid"),
    (jwt.ImmatureSignatureError, "token is not valid yet"),
)


@dataclass(frozen=True)
class Caller:
    """Who called: subject, tenant and scopes of a verified token."""

    subject: str
    tenant: str
    scopes: frozenset[str]

    @property
    def key(self) -> str:
        """Rate-limit subject: one caller of one tenant."""
        return f"{self.tenant}/{self.subject}"

    def send_patterns(self) -> list[str]:
        return [scope[len(SEND_PREFIX) :] for scope in self.scopes if scope.startswith(SEND_PREFIX)]

    def may_send(self, task: str) -> bool:
        return any(fnmatchcase(task, pattern) for pattern in self.send_patterns())

    def may_read(self, task: str) -> bool:
        return SCOPE_READ in self.scopes or self.may_send(task)

    def require_send(self, task: str) -> None:
        if not self.may_send(task):
            raise ScopeError(
                f"the token may not send {task!r}", details={"required_scope": f"{SEND_PREFIX}{task}", "task": task}
            )

    def sendable(self, names: Iterable[str]) -> list[str]:
        return [name for name in names if self.may_send(name)]


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip():
        raise AuthError(f"token claim {name!r} must be a non-empty string")
    return value


class TokenVerifier:
    """Verifies bearer tokens; raises ``AuthError`` (401) on any problem."""

    def __init__(self, settings: GatewaySettings, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self._secret = settings.secret()
        self._public = settings.public_key_pem()
        self._jwks = PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
        self._cache: OrderedDict[str, tuple[Caller, float]] = OrderedDict()

    def verify(self, token: str) -> Caller:
        now = self.clock()
        hit = self._cache.get(token)
        if hit is not None:
            if hit[1] + self.settings.jwt_leeway > now:
                return hit[0]
            self._cache.pop(token, None)
        claims = self._decode(token)
        scope = claims.get("scope", "")
        if not isinstance(scope, str):
            raise AuthError("token claim 'scope' must be a space separated string")
        caller = Caller(_claim(claims, "sub"), _claim(claims, "tenant"), frozenset(scope.split()))
        self._cache[token] = (caller, float(claims["exp"]))
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return caller

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            alg = str(header.get("alg", ""))
            if alg not in self.settings.jwt_algorithms:
                raise AuthError(f"token algorithm {alg!r} is not accepted")
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key(alg, header.get("kid")),
                algorithms=[alg],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                leeway=self.settings.jwt_leeway,
                options={"require": ["exp", "iat", "sub", "tenant"]},
            )
            return claims
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"token lacks the {exc.claim!r} claim") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            message = next((text for kind, text in _REJECTIONS if isinstance(exc, kind)), f"token rejected: {exc}")
            raise AuthError(message) from exc

    def _key(self, alg: str, kid: Any) -> Any:
        if alg.startswith("HS"):
            if self._secret is None:
                raise AuthError("HMAC tokens are not accepted (no GATEWAY_JWT_SECRET)")
            return self._secret
        if self._jwks is not None and kid is not None:
            return self._jwks.get_signing_key(str(kid)).key
        if self._public is None:
            raise AuthError("asymmetric tokens are not accepted (no public key configured)")
        return self._public


def mint_token(
    secret: str,
    *,
    sub: str,
    tenant: str,
    scopes: Iterable[str],
    ttl_s: float = 3600,
    audience: str = "workers-core-gateway",
    issuer: str | None = None,
    algorithm: str = "HS256",
    now: float | None = None,
    kid: str | None = None,
) -> str:
    """A token the gateway accepts (tests, SDK tests, the bench); ``secret`` may be a PEM private key."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "tenant": tenant,
        "aud": audience,
        "scope": " ".join(scopes),
        "iat": issued,
        "exp": issued + int(ttl_s),
    }
    if issuer is not None:
        claims["iss"] = issuer
    return jwt.encode(claims, secret, algorithm=algorithm, headers={"kid": kid} if kid else None)
