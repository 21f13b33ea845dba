"""OAuth2 tokens for api.anaf.ro: bootstrap (authorize URL + code exchange), refresh + rotation, bearer.

- ``TokenManager.authorize_url()`` / ``exchange_code(code)``: the one-time bootstrap a human with the
  qualified certificate does in a browser (``workers-core anaf authorize-url`` / ``exchange-code``).
- ``access_token()`` refreshes ``token_refresh_margin_s`` before the access JWT's ``exp``. ANAF rotates
  on refresh (new access AND refresh token): both are written as one record in one ``SET`` (atomic).
- Single flight across replicas: the refresh runs under a Redis lock and re-reads the store once it holds
  it, so N replicas waking at once cause one token call.
- Seeds (``ANAF_REFRESH_TOKEN`` / ``ANAF_ACCESS_TOKEN``, env or mounted secret file) are used while the
  store is empty, or when they carry a later refresh ``exp`` than the stored record (a re-bootstrap).
- Gauges ``anaf_oauth_refresh_token_expiry_timestamp_seconds`` / ``..._access_...`` feed the alert that
  a human must redo the bootstrap before the 365-day refresh token dies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import redis
import structlog
from prometheus_client import Counter, Gauge

from anaf_core.config import AnafSettings
from anaf_core.errors import AnafAuthError, AnafProtocolError, AnafTransportError
from anaf_core.tokenstore import FileTokenStore, RedisTokenStore, TokenSet, TokenStore, jwt_expiry
from shared.integration import ACCEPT_STATUS, OPERATION
from shared.keys import oauth_lock_key

__all__ = [
    "FileTokenStore",
    "RedisTokenStore",
    "TokenManager",
    "TokenSet",
    "TokenStore",
    "jwt_expiry",
]

log = structlog.get_logger(__name__)

REFRESH_EXPIRY = Gauge(
    "anaf_oauth_refresh_token_expiry_timestamp_seconds",
    "Unix time when the stored ANAF refresh token expires (alert ~30 days before)",
    ("client_id",),
    multiprocess_mode="max",
)
ACCESS_EXPIRY = Gauge(
    "anaf_oauth_access_token_expiry_timestamp_seconds",
    "Unix time when the current ANAF access token expires",
    ("client_id",),
    multiprocess_mode="max",
)
REFRESHES = Counter("anaf_oauth_token_refresh_total", "ANAF OAuth token calls", ("client_id", "grant", "result"))

#: A 401/403 with a token younger than this is about rights, not expiry: no forced refresh.
_MIN_AGE_FOR_FORCED_REFRESH_S = 300.0
_DEFAULT_ACCESS_LIFETIME_S = 90 * 86400.0


class TokenManager:
    """Owns the OAuth app's tokens: bootstrap, proactive refresh, rotation, single-flight across replicas."""

    def __init__(
        self,
        settings: AnafSettings,
        store: TokenStore,
        *,
        lock_client: redis.Redis[bytes] | None,
        http: httpx.Client,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.store = store
        self._lock_client = lock_client
        self._http = http
        self._clock = clock
        self._label = settings.oauth_client_key

    # --- bootstrap ---------------------------------------------------------------------------------
    def authorize_url(self, state: str | None = None) -> str:
        """The URL a human opens (with the qualified certificate) to grant this app access."""
        client_id, redirect_uri = self._require_app()[:2]
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "token_content_type": "jwt",
        }
        if state:
            params["state"] = state
        return f"{self.settings.oauth_base_url.rstrip('/')}/authorize?{urlencode(params)}"

    def exchange_code(self, code: str) -> TokenSet:
        """Trade the authorization code (valid ~60 s) for the first token pair and persist it."""
        redirect_uri = self._require_app()[1]
        tokens = self._token_call(
            {"grant_type": "authorization_code", "code": code.strip(), "redirect_uri": redirect_uri},
            "authorization_code",
        )
        self.store.save(tokens)
        self._observe(tokens)
        log.info("anaf oauth bootstrap completed", **tokens.redacted())
        return tokens

    # --- runtime -----------------------------------------------------------------------------------
    def current(self) -> TokenSet | None:
        """The newest known tokens: the store, or the configured seed when it is newer."""
        stored = self.store.load()
        seed = self._seed()
        if seed is None:
            return stored
        if stored is None:
            return seed
        if seed.refresh_expires_at and (stored.refresh_expires_at or 0) < seed.refresh_expires_at:
            return seed
        return stored

    def access_token(self) -> str:
        """A valid access token, refreshed first when it expires within the margin."""
        tokens = self.current()
        if tokens is None:
            raise AnafAuthError(
                "no ANAF OAuth token: run `workers-core anaf authorize-url`, then `... anaf exchange-code`",
                code="anaf_not_bootstrapped",
            )
        self._observe(tokens)
        if self._fresh(tokens):
            return tokens.access_token
        return self.refresh(stale_access=tokens.access_token).access_token

    def refresh(self, *, force: bool = False, stale_access: str | None = None) -> TokenSet:
        """Refresh under the cluster-wide lock; a replica that waited reuses what the holder stored."""
        with self._single_flight():
            tokens = self.current()
            if tokens is None:
                raise AnafAuthError(
                    "no ANAF refresh token stored: run the OAuth bootstrap", code="anaf_not_bootstrapped"
                )
            now = self._clock()
            if stale_access is not None and tokens.access_token and tokens.access_token != stale_access:
                return tokens  # another replica rotated while we waited
            if not force and self._fresh(tokens):
                return tokens
            if tokens.refresh_expires_at is not None and tokens.refresh_expires_at <= now:
                raise AnafAuthError(
                    "the ANAF refresh token expired: a human must redo the OAuth bootstrap",
                    code="anaf_refresh_expired",
                )
            new = self._token_call(
                {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}, "refresh_token"
            )
            self.store.save(new)
            self._observe(new)
            log.info("anaf oauth tokens rotated", **new.redacted())
            return new

    def _fresh(self, tokens: TokenSet) -> bool:
        """Valid for longer than the margin (at most half the token's lifetime, for short-lived tokens)."""
        if not tokens.access_token:
            return False
        margin = self.settings.token_refresh_margin_s
        if tokens.obtained_at:
            margin = min(margin, (tokens.access_expires_at - tokens.obtained_at) / 2)
        return tokens.access_expires_at - self._clock() > margin

    # --- TokenProvider (shared.integration.AuthTransport) ----------------------------------------------
    def token(self) -> str:
        return self.access_token()

    def refreshed(self, stale: str) -> str | None:
        """After a 401/403 with ``stale``: a refreshed token, or None when refreshing cannot help."""
        if not self.may_force_refresh(stale):
            return None
        return self.refresh(force=True, stale_access=stale).access_token

    def may_force_refresh(self, used_access: str) -> bool:
        """After a 401/403: refresh only if the token that failed is the current one and not brand new."""
        tokens = self.current()
        if tokens is None or tokens.access_token != used_access:
            return tokens is not None
        return self._clock() - tokens.obtained_at > _MIN_AGE_FOR_FORCED_REFRESH_S

    def status(self) -> dict[str, Any]:
        """Expiry facts for the CLI and the deep health check (no token material)."""
        tokens = self.current()
        if tokens is None:
            return {"bootstrapped": False}
        self._observe(tokens)
        now = self._clock()
        out: dict[str, Any] = {"bootstrapped": True, **tokens.redacted()}
        out["access_valid_s"] = round(tokens.access_expires_at - now)
        if tokens.refresh_expires_at is not None:
            out["refresh_valid_s"] = round(tokens.refresh_expires_at - now)
            out["refresh_expiry_warning"] = tokens.refresh_expires_at - now < self.settings.refresh_token_warn_s
        return out

    # --- internals ---------------------------------------------------------------------------------
    def _require_app(self) -> tuple[str, str, str]:
        s = self.settings
        if not (s.client_id and s.client_secret and s.redirect_uri):
            raise AnafAuthError(
                "ANAF OAuth app not configured: set ANAF_CLIENT_ID, ANAF_CLIENT_SECRET and ANAF_REDIRECT_URI",
                code="anaf_oauth_unconfigured",
            )
        return s.client_id, s.redirect_uri, s.client_secret.get_secret_value()

    def _seed(self) -> TokenSet | None:
        s = self.settings
        if s.refresh_token is None:
            return None
        refresh = s.refresh_token.get_secret_value()
        access = s.access_token.get_secret_value() if s.access_token else ""
        return TokenSet(
            access_token=access,
            refresh_token=refresh,
            access_expires_at=(jwt_expiry(access) or 0.0) if access else 0.0,
            refresh_expires_at=jwt_expiry(refresh),
            obtained_at=0.0,
        )

    def _single_flight(self) -> Any:
        if self._lock_client is None:
            return _NullLock()
        lock = self._lock_client.lock(
            oauth_lock_key(self.settings.redis_namespace, self._label),
            timeout=self.settings.token_lock_timeout_s,
            blocking_timeout=self.settings.token_lock_timeout_s,
        )
        return _RedisLockGuard(lock)

    def _token_call(self, form: dict[str, str], grant: str) -> TokenSet:
        client_id, _, secret = self._require_app()
        url = f"{self.settings.oauth_base_url.rstrip('/')}/token"
        data = {**form, "token_content_type": "jwt"}
        auth: tuple[str, str] | None = (client_id, secret)
        if self.settings.client_auth == "body":
            data.update(client_id=client_id, client_secret=secret)
            auth = None
        # the transport maps connection errors and 5xx; a 4xx answer is the grant's verdict, read here
        ext = {OPERATION: "oauth.token", ACCEPT_STATUS: range(400, 500)}
        try:
            response = (
                self._http.post(url, data=data, auth=auth, extensions=ext)
                if auth
                else self._http.post(url, data=data, extensions=ext)
            )
        except AnafTransportError:
            REFRESHES.labels(self._label, grant, "error").inc()
            raise
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            REFRESHES.labels(self._label, grant, "rejected").inc()
            reason = ""
            if isinstance(body, dict):
                reason = f"{body.get('error', '')}: {body.get('error_description', '')}".strip(": ")
            if response.status_code == 200:
                raise AnafProtocolError(
                    "oauth.token: no access_token in the answer",
                    operation="oauth.token",
                    body=response.content,
                )
            raise AnafAuthError(
                f"oauth.token refused the {grant} grant (HTTP {response.status_code}) {reason}".strip(),
                operation="oauth.token",
                status_code=response.status_code,
                messages=[reason] if reason else (),
            )
        REFRESHES.labels(self._label, grant, "ok").inc()
        now = self._clock()
        access = str(body["access_token"])
        refresh = str(body.get("refresh_token") or form.get("refresh_token") or "")
        expires_in = body.get("expires_in")
        access_exp = jwt_expiry(access) or (now + float(expires_in) if expires_in else now + _DEFAULT_ACCESS_LIFETIME_S)
        return TokenSet(
            access_token=access,
            refresh_token=refresh,
            access_expires_at=access_exp,
            refresh_expires_at=jwt_expiry(refresh),
            obtained_at=now,
        )

    def _observe(self, tokens: TokenSet) -> None:
        ACCESS_EXPIRY.labels(self._label).set(tokens.access_expires_at)
        if tokens.refresh_expires_at is not None:
            REFRESH_EXPIRY.labels(self._label).set(tokens.refresh_expires_at)


class _NullLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


class _RedisLockGuard:
    def __init__(self, lock: Any):
        self._lock = lock

    def __enter__(self) -> None:
        try:
            acquired = self._lock.acquire()
        except redis.RedisError as exc:
            raise AnafTransportError(f"token lock unavailable: {exc}", request_sent=False) from exc
        if not acquired:
            raise AnafTransportError(
                "another replica is refreshing the ANAF token for too long",
                request_sent=False,
                retry_after=5.0,
            )

    def __exit__(self, *exc: object) -> None:
        try:
            self._lock.release()
        except redis.exceptions.LockError:
            log.warning("anaf token refresh lock expired before release")
