"""Deep health checks of the ``anaf.etransport`` worker (run by /readyz?deep=true with a 5 s timeout)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from anaf_core.config import load_anaf_settings
from anaf_etransport.config import EtransportSettings
from anaf_etransport.outbox import EtransportOutbox
from shared.health import DeepCheck

__all__ = ["deep_checks"]


def _outbox_database(settings: EtransportSettings) -> Mapping[str, Any]:
    """The outbox database answers and its schema is the one the code expects."""
    EtransportOutbox.open(settings.outbox_url(), environment=settings.workers_core_env).close()
    return {"database": "reachable"}


def _anaf_credentials() -> Mapping[str, Any]:
    s = load_anaf_settings()
    if not s.client_id or s.client_secret is None:
        raise RuntimeError("ANAF OAuth app not configured (ANAF_CLIENT_ID / ANAF_CLIENT_SECRET)")
    return {"environment": s.environment, "oauth_client": s.client_id}


def deep_checks(settings: EtransportSettings) -> list[DeepCheck]:
    return [
        DeepCheck("etransport-outbox-db", lambda: _outbox_database(settings)),
        DeepCheck("anaf-oauth-config", _anaf_credentials),
    ]
