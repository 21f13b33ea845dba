"""Start-up refuses weak or missing JWT keys outside development; the CLI mints tokens the gateway accepts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from gateway.auth import TokenVerifier
from gateway.cli import cli
from gateway.config import GatewaySettings
from tests.support.gateway import strong_secret


@pytest.mark.parametrize("secret", ["changeme", "secret", "correct-horse-battery-staple", "a" * 64, "0123456789abcdef"])
def test_weak_or_placeholder_secrets_are_refused_outside_development(secret: str) -> None:
    with pytest.raises(ValidationError):
        GatewaySettings(jwt_secret=secret, WORKERS_CORE_ENV="production")
    assert GatewaySettings(jwt_secret=secret, WORKERS_CORE_ENV="development").jwt_secret is not None


def test_a_key_is_required_and_none_is_never_an_algorithm() -> None:
    with pytest.raises(ValidationError, match="no JWT verification key"):
        GatewaySettings(WORKERS_CORE_ENV="development")
    with pytest.raises(ValidationError, match="none"):
        GatewaySettings(jwt_secret=strong_secret(), jwt_algorithms="HS256,none", WORKERS_CORE_ENV="test")


def test_env_names(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = strong_secret()
    monkeypatch.setenv("GATEWAY_JWT_SECRET", secret)
    monkeypatch.setenv("GATEWAY_RATE_PER_SECOND", "7")
    monkeypatch.setenv("GATEWAY_IDEMPOTENCY_TTL_S", "3600")
    monkeypatch.setenv("RMQ_URL", "amqp://u:p@rabbit:5672/v")
    monkeypatch.setenv("WORKERS_CORE_ENV", "test")
    settings = GatewaySettings()
    assert settings.rate_per_second == 7 and settings.idempotency_ttl_s == 3600 and settings.port == 8095
    assert settings.jwt_audience == "workers-core-gateway"
    assert settings.rmq_url.get_secret_value() == "amqp://u:p@rabbit:5672/v"


def test_cli_token_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway import config

    secret = strong_secret()
    monkeypatch.setenv("GATEWAY_JWT_SECRET", secret)
    monkeypatch.setenv("WORKERS_CORE_ENV", "test")
    config.get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli,
            [
                "token",
                "--sub",
                "vettify",
                "--tenant",
                "acme",
                "--scope",
                "tasks:send:taxpayer.*",
                "--scope",
                "tasks:read",
            ],
        )
    finally:
        config.get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    caller = TokenVerifier(GatewaySettings(jwt_secret=secret, WORKERS_CORE_ENV="test")).verify(result.output.strip())
    assert (caller.subject, caller.tenant) == ("vettify", "acme")
    assert caller.may_send("taxpayer.validate") and not caller.may_send("email.send")
