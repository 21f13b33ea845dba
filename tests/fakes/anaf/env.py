"""The environment that points ANAF clients (and worker processes) at a running fake, with a token pair it issued."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.fakes.anaf.server import FakeAnafServer

__all__ = ["client_env", "settings_env"]


def settings_env(anaf: FakeAnafServer, directory: Path) -> dict[str, str]:
    """ANAF settings for ``anaf`` (its signing certificate written under ``directory``), no tokens; a namespace of
    its own in Redis."""
    cert = directory / "anaf-signing.pem"
    cert.write_bytes(anaf.state.identity.certificate_pem)
    url = anaf.url
    return {
        "ANAF_ENVIRONMENT": "test",
        "ANAF_REGISTRY_URL": f"{url}/api/PlatitorTvaRest/v9/tva",
        "ANAF_API_BASE_URL": url,
        "ANAF_PUBLIC_BASE_URL": url,
        "ANAF_OAUTH_BASE_URL": f"{url}/anaf-oauth2/v1",
        "ANAF_CLIENT_ID": "fake-client-id",
        "ANAF_CLIENT_SECRET": "fake-client-secret",
        "ANAF_REDIRECT_URI": "https://localhost:8443/callback",
        "ANAF_SIGNING_CERTS": str(cert),
        "ANAF_REDIS_NAMESPACE": uuid.uuid4().hex[:8],
    }


def client_env(anaf: FakeAnafServer, directory: Path) -> dict[str, str]:
    """``settings_env`` plus the tokens of the OAuth bootstrap's outcome."""
    env = settings_env(anaf, directory)
    with anaf.state.lock:
        tokens = anaf.state.issue_tokens("fake-client-id")
    return {**env, "ANAF_ACCESS_TOKEN": tokens["access_token"], "ANAF_REFRESH_TOKEN": tokens["refresh_token"]}
