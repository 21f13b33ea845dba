"""Where ANAF OAuth tokens live: the ``TokenSet`` record and its stores (Redis for workers, a file for the CLI).

The record holds the access and refresh tokens with their expiries; ``RedisTokenStore`` writes it in one
``SET`` (atomic rotation), ``FileTokenStore`` atomically replaces a file (mode 0600).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import jwt
import redis

from anaf_core.errors import AnafTransportError
from shared.keys import legacy_oauth_tokens_key, oauth_tokens_key

__all__ = ["FileTokenStore", "RedisTokenStore", "TokenSet", "TokenStore", "jwt_expiry"]


def jwt_expiry(token: str) -> float | None:
    """``exp`` of a JWT read without verifying the signature (ANAF.md §2.1); None for opaque tokens."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else None


@dataclass(frozen=True)
class TokenSet:
    """One generation of tokens; written and read as a single JSON record."""

    access_token: str
    refresh_token: str
    access_expires_at: float
    refresh_expires_at: float | None
    obtained_at: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> TokenSet:
        data = json.loads(raw)
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})

    def redacted(self) -> dict[str, Any]:
        return {
            "access_expires_at": self.access_expires_at,
            "refresh_expires_at": self.refresh_expires_at,
            "obtained_at": self.obtained_at,
        }


class TokenStore(Protocol):
    def load(self) -> TokenSet | None: ...
    def save(self, tokens: TokenSet) -> None: ...


class RedisTokenStore:
    """The shared store of all replicas: one key per OAuth app, replaced whole by ``SET`` (atomic)."""

    def __init__(self, client: redis.Redis[bytes], client_key: str, *, namespace: str = "anaf"):
        self._client = client
        self.key = oauth_tokens_key(namespace, client_key)
        self._legacy = legacy_oauth_tokens_key(namespace, client_key)

    def load(self) -> TokenSet | None:
        try:
            raw = self._client.get(self.key)
            if raw is None and (old := self._client.get(self._legacy)) is not None:
                # a pair stored by an earlier release: move it under the current key (never lose the bootstrap)
                self._client.set(self.key, old, nx=True)
                self._client.delete(self._legacy)
                raw = self._client.get(self.key)
        except redis.RedisError as exc:
            raise AnafTransportError(f"token store unavailable: {exc}", request_sent=False) from exc
        return TokenSet.from_json(raw) if raw else None

    def save(self, tokens: TokenSet) -> None:
        try:
            self._client.set(self.key, tokens.to_json())
        except redis.RedisError as exc:
            raise AnafTransportError(f"token store unavailable: {exc}", request_sent=False) from exc


class FileTokenStore:
    """A JSON file (mode 0600) replaced atomically with ``os.replace``; for a laptop or one replica."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def load(self) -> TokenSet | None:
        try:
            return TokenSet.from_json(self.path.read_bytes())
        except FileNotFoundError:
            return None

    def save(self, tokens: TokenSet) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(tokens.to_json())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
