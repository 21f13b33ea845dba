"""OAuth against the fake logincert: bootstrap, refresh + rotation, single flight, seeds, 403 replay."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import httpx
import pytest

from anaf_core import (
    AnafAuthError,
    AnafRuntime,
    AnafSettings,
    FileTokenStore,
    TokenManager,
    jwt_expiry,
)
from tests.anaf.fixtures import settings_from
from tests.fakes.anaf import FakeAnafServer

DAY = 86400


def _code(fake: FakeAnafServer) -> str:
    return httpx.post(f"{fake.url}/_fake/authorize-code", json={}).json()["code"]


def test_authorize_url(anaf_runtime: AnafRuntime, fake_anaf: FakeAnafServer) -> None:
    url = anaf_runtime.tokens.authorize_url(state="s1")
    assert url.startswith(f"{fake_anaf.url}/anaf-oauth2/v1/authorize?response_type=code&client_id=fake-client-id")
    assert "token_content_type=jwt" in url and "redirect_uri=https%3A%2F%2Flocalhost%3A8443%2Fcallback" in url
    # the fake's authorize step redirects back with a code the manager can exchange
    answer = httpx.get(url)
    assert answer.status_code == 302 and answer.headers["location"].startswith("https://localhost:8443/callback?code=")


def test_bootstrap_then_rotation(anaf_runtime: AnafRuntime, fake_anaf: FakeAnafServer) -> None:
    tokens = anaf_runtime.tokens
    first = tokens.exchange_code(_code(fake_anaf))
    assert first.refresh_expires_at and first.refresh_expires_at - first.obtained_at > 360 * DAY
    assert tokens.access_token() == first.access_token  # 90 days left: no refresh
    calls = [c["grant_type"] for c in fake_anaf.state.snapshot()["token_calls"]]
    assert calls == ["authorization_code"]
    second = tokens.refresh(force=True)
    assert second.access_token != first.access_token and second.refresh_token != first.refresh_token
    assert tokens.store.load() == second  # both rotated tokens persisted together
    # the fake invalidated the used refresh token: a replica still holding it would fail
    with pytest.raises(AnafAuthError):
        TokenManager(tokens.settings, _Frozen(first), lock_client=None, http=anaf_runtime.oauth_http).refresh(
            force=True
        )
    basic = fake_anaf.state.token_calls[-1]
    assert "client_secret" not in basic["form"]  # HTTP Basic client auth by default


class _Frozen:
    """A store that never learns about rotations (a replica with stale state)."""

    def __init__(self, tokens):  # type: ignore[no-untyped-def]
        self.tokens = tokens

    def load(self):  # type: ignore[no-untyped-def]
        return self.tokens

    def save(self, tokens) -> None:  # type: ignore[no-untyped-def]
        self.tokens = tokens


def test_refresh_before_expiry_is_single_flight(
    anaf_env: dict[str, str], fake_anaf: FakeAnafServer, redis_url: str
) -> None:
    """The stored access token is 85 days old (5 left, margin 10): 8 threads x 2 replicas -> 1 token call."""
    runtimes = [AnafRuntime.create(settings_from(anaf_env)) for _ in range(2)]
    try:
        first = runtimes[0].tokens.exchange_code(_code(fake_anaf))
        aged = dataclasses.replace(
            first, access_expires_at=first.obtained_at + 5 * DAY, obtained_at=first.obtained_at - 85 * DAY
        )
        runtimes[0].tokens.store.save(aged)
        results: list[str] = []
        barrier = threading.Barrier(8)

        def worker(i: int) -> None:
            barrier.wait()
            results.append(runtimes[i % 2].tokens.access_token())

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        grants = [c["grant_type"] for c in fake_anaf.state.snapshot()["token_calls"]]
        assert grants == ["authorization_code", "refresh_token"]
        assert len(set(results)) == 1
    finally:
        for rt in runtimes:
            rt.close()


def test_seed_from_secret_files_and_newer_seed_wins(
    anaf_env: dict[str, str], fake_anaf: FakeAnafServer, tmp_path: Path, redis_url: str
) -> None:
    bootstrap = AnafRuntime.create(settings_from(anaf_env))
    issued = fake_anaf.state.issue_tokens("fake-client-id")
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "anaf_refresh_token").write_text(issued["refresh_token"])
    settings = AnafSettings(_secrets_dir=secrets_dir, **_plain(anaf_env))  # type: ignore[arg-type]
    assert settings.refresh_token and settings.refresh_token.get_secret_value() == issued["refresh_token"]
    runtime = AnafRuntime.create(settings)
    try:
        assert runtime.tokens.store.load() is None
        token = runtime.tokens.access_token()  # seed has no access token: refreshes with the seed, persists
        stored = runtime.tokens.store.load()
        assert stored is not None and stored.access_token == token and stored.refresh_token != issued["refresh_token"]
        assert runtime.tokens.current() == stored  # the rotated record now beats the (older) seed
        status = runtime.tokens.status()
        assert status["bootstrapped"] and status["refresh_valid_s"] > 360 * DAY and not status["refresh_expiry_warning"]
    finally:
        runtime.close()
        bootstrap.close()


def _plain(env: dict[str, str]) -> dict[str, str]:
    out = {k[len("ANAF_") :].lower(): v for k, v in env.items() if k.startswith("ANAF_")}
    out.update(REDIS_URL=env["REDIS_URL"], WORKERS_CORE_ENV="test")
    return out


def test_expired_refresh_token_needs_a_human(anaf_runtime: AnafRuntime, fake_anaf: FakeAnafServer) -> None:
    fake_anaf.state.config.refresh_token_ttl_s = 60
    fake_anaf.state.config.access_token_ttl_s = 30
    anaf_runtime.tokens.exchange_code(_code(fake_anaf))
    fake_anaf.state.time_offset = 120  # the fake's clock moves on; ours follows through the token exp
    tokens = TokenManager(
        anaf_runtime.settings,
        anaf_runtime.tokens.store,
        lock_client=None,
        http=anaf_runtime.oauth_http,
        clock=lambda: fake_anaf.state.now(),
    )
    with pytest.raises(AnafAuthError) as info:
        tokens.access_token()
    assert info.value.code == "anaf_refresh_expired"


def test_no_bootstrap_is_a_clear_auth_error(anaf_runtime: AnafRuntime) -> None:
    with pytest.raises(AnafAuthError) as info:
        anaf_runtime.tokens.access_token()
    assert info.value.code == "anaf_not_bootstrapped" and not info.value.retryable


def test_bearer_replays_once_after_403_with_a_stale_token(anaf_runtime: AnafRuntime, fake_anaf: FakeAnafServer) -> None:
    """The server revoked the access token early: the client refreshes once and the call succeeds."""
    tokens = anaf_runtime.tokens
    first = tokens.exchange_code(_code(fake_anaf))
    # make the token look old enough for a forced refresh, then revoke it at the fake
    tokens.store.save(dataclasses.replace(first, obtained_at=first.obtained_at - 3600))
    fake_anaf.state.revoked_access.add(_jti(first.access_token))
    client = anaf_runtime.api_client(fake_anaf.url)
    answer = client.get("/TestOauth/jaxrs/hello", params={"name": "x"})
    assert answer.text == "Hello x"
    assert [c["grant_type"] for c in fake_anaf.state.snapshot()["token_calls"]][-1] == "refresh_token"
    # a 403 right after a refresh is about rights: no second refresh, a clear auth error
    fake_anaf.state.revoked_access.add(_jti(tokens.store.load().access_token))  # type: ignore[union-attr]
    with pytest.raises(AnafAuthError):
        client.get("/TestOauth/jaxrs/hello", params={"name": "x"})
    assert len(fake_anaf.state.token_calls) == 2


def _jti(token: str) -> str:
    import jwt

    return str(jwt.decode(token, options={"verify_signature": False})["jti"])


def test_file_store_is_atomic_and_private(tmp_path: Path, fake_anaf: FakeAnafServer) -> None:
    issued = fake_anaf.state.issue_tokens("fake-client-id")
    store = FileTokenStore(tmp_path / "t" / "tokens.json")
    assert store.load() is None
    from anaf_core import TokenSet

    tokens = TokenSet(
        issued["access_token"],
        issued["refresh_token"],
        jwt_expiry(issued["access_token"]) or 0,
        jwt_expiry(issued["refresh_token"]),
        1.0,
    )
    store.save(tokens)
    assert store.load() == tokens
    assert (store.path.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in store.path.parent.iterdir()] == ["tokens.json"]
