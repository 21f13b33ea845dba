"""Deep health checks of the ``anaf.efactura`` worker (run by /readyz?deep=true with a 5 s timeout).

They run in the worker's parent process, so each builds what it needs (cheap checks only; the Schematron
compile is not repeated here, only the files are looked for): the outbox database at the code's schema, the
OAuth token pair, the API host, Redis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import redis

from anaf_core import AnafRuntime, AnafSettings, load_anaf_settings
from anaf_efactura.config import EfacturaSettings
from anaf_efactura.validation import ARTEFACTS, CIUS_RO_XSLT
from shared.health import DeepCheck
from shared.outbox import outbox_engine, status
from shared.schemas import get_store
from shared.schemas.requirement import SchemaRequirement

__all__ = ["SCHEMAS", "deep_checks"]


def _locate_schemas() -> None:
    s = EfacturaSettings()
    store = get_store()
    store.locate_dir("ubl-2.1", s.ubl_dir)
    store.locate("cius-ro", CIUS_RO_XSLT, s.cius_ro_xslt)


#: UBL 2.1 XSD + CIUS-RO: refused start-up outside development when unusable, deep check, schema_info metric.
SCHEMAS = SchemaRequirement(ARTEFACTS, _locate_schemas)


class _Checks:
    def __init__(self, settings: EfacturaSettings, anaf: AnafSettings):
        self.settings = settings
        self.anaf = anaf

    def outbox(self) -> Mapping[str, Any]:
        engine = outbox_engine(self.settings.database, environment=self.settings.workers_core_env)
        try:
            found = status(engine)
        finally:
            engine.dispose()
        if not found.up_to_date:
            raise RuntimeError(
                f"outbox schema at {found.current}, code at {found.head}: run `workers-core outbox migrate`"
            )
        return {"database": "ok", "schema": found.current}

    def oauth(self) -> Mapping[str, Any]:
        """Token status (no token material); sets the refresh-token expiry gauge in this (parent) process."""
        runtime = AnafRuntime.create(self.anaf)
        try:
            state = runtime.tokens.status()
        finally:
            runtime.close()
        if not state.get("bootstrapped"):
            raise RuntimeError("no ANAF OAuth token: run `workers-core anaf authorize-url` / `exchange-code`")
        if state.get("refresh_valid_s", 1) <= 0:
            raise RuntimeError("the ANAF refresh token expired: redo the OAuth bootstrap")
        return state

    def api_host(self) -> Mapping[str, Any]:
        parts = urlsplit(self.anaf.api_base_url)
        response = httpx.head(f"{parts.scheme}://{parts.netloc}/", timeout=4.0)
        return {"host": parts.netloc, "status": response.status_code}

    def redis(self) -> Mapping[str, Any]:
        client = redis.Redis.from_url(self.anaf.redis_url.get_secret_value(), socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
        return {"redis": "ok"}


def deep_checks(settings: EfacturaSettings) -> list[DeepCheck]:
    checks = _Checks(settings, load_anaf_settings())
    return [
        DeepCheck("efactura-outbox", checks.outbox),
        DeepCheck("anaf-oauth", checks.oauth),
        DeepCheck("anaf-api-host", checks.api_host),
        DeepCheck("redis", checks.redis),
    ]
