"""Who is calling and what they may do: roles viewer < operator < admin, from JWT claims.

Accepted tokens: HS256 signed with ``CONSOLE_JWT_SECRET`` (issuer ``CONSOLE_JWT_ISSUER``; ``workers-core console
token`` mints them) and RS256/ES256/PS256 tokens of an OIDC issuer, verified with its JWKS (``CONSOLE_OIDC_*``).
``exp``, ``iat`` and ``sub`` are required; ``alg: none`` is never accepted. The roles come from the
``CONSOLE_ROLES_CLAIM`` claim (a list or a space-separated string); the highest one counts.
Every action calls ``Principal.require(role)`` on the server, whatever the page shows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Final

import jwt
from jwt import PyJWKClient

from console.config import ConsoleSettings
from console.errors import ForbiddenError, NotAuthenticated

__all__ = ["ADMIN", "OPERATOR", "ROLES", "VIEWER", "Principal", "TokenVerifier", "mint_token"]

VIEWER: Final = "viewer"
OPERATOR: Final = "operator"
ADMIN: Final = "admin"
#: role -> rank; a role may do everything a lower one may
ROLES: Final = {VIEWER: 1, OPERATOR: 2, ADMIN: 3}
_ASYMMETRIC: Final = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    issuer: str

    def can(self, role: str) -> bool:
        return ROLES[self.role] >= ROLES[role]

    def require(self, role: str) -> None:
        if not self.can(role):
            raise ForbiddenError(f"{self.subject} is {self.role}; this needs the {role} role")


def _roles(claims: dict[str, Any], claim: str) -> list[str]:
    value = claims.get(claim)
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


class TokenVerifier:
    def __init__(self, settings: ConsoleSettings) -> None:
        self.settings = settings
        self._jwks = PyJWKClient(settings.oidc_jwks_url, cache_keys=True) if settings.oidc_jwks_url else None

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise NotAuthenticated(f"unreadable token: {exc}") from exc
        alg = str(header.get("alg") or "")
        try:
            claims = self._decode(token, alg)
        except jwt.ExpiredSignatureError as exc:
            raise NotAuthenticated("token expired") from exc
        except jwt.PyJWTError as exc:
            raise NotAuthenticated(f"token rejected: {exc}") from exc
        roles = [r for r in _roles(claims, self.settings.roles_claim) if r in ROLES]
        if not roles:
            raise ForbiddenError(f"token of {claims['sub']!r} carries no console role (viewer, operator, admin)")
        return Principal(str(claims["sub"]), max(roles, key=ROLES.__getitem__), str(claims.get("iss") or ""))

    def _decode(self, token: str, alg: str) -> dict[str, Any]:
        s = self.settings
        options: Any = {"require": ["exp", "iat", "sub"]}
        if alg == "HS256":
            if s.jwt_secret is None:
                raise NotAuthenticated("HS256 tokens are not accepted (no CONSOLE_JWT_SECRET)")
            key: Any = s.jwt_secret.get_secret_value()
            issuer, audience = s.jwt_issuer, s.jwt_audience
        elif alg in _ASYMMETRIC:
            if self._jwks is None:
                raise NotAuthenticated("OIDC tokens are not accepted (no CONSOLE_OIDC_JWKS_URL)")
            try:
                key = self._jwks.get_signing_key_from_jwt(token).key
            except jwt.PyJWKClientError as exc:
                raise NotAuthenticated(f"token key not found in the issuer's JWKS: {exc}") from exc
            issuer, audience = str(s.oidc_issuer), s.oidc_audience or s.jwt_audience
        else:
            raise NotAuthenticated(f"token algorithm {alg!r} is not accepted")
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=[alg], audience=audience, issuer=issuer, leeway=s.jwt_leeway, options=options
        )
        return claims


def mint_token(settings: ConsoleSettings, *, subject: str, role: str, ttl: float = 3600.0) -> str:
    """An HS256 console token (operators' CLI and tests)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if settings.jwt_secret is None:
        raise ValueError("no CONSOLE_JWT_SECRET to sign with")
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        settings.roles_claim: [role],
        "iat": now,
        "exp": now + int(ttl),
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
