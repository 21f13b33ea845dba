"""Deep health checks of the `anaf.efactura` worker (run by /readyz?deep=true with a 5 s timeout).

They run in the worker's parent process, so each builds what it needs (cheap checks only; the
Schematron compile is not repeated here, only the files are looked for).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import redis

from anaf_core import AnafRuntime, get_anaf_settings
from anaf_efactura.config import get_settings
from anaf_efactura.validation import ARTEFACTS, CIUS_RO_XSLT
from shared.health import DeepCheck
from shared.schemas import get_store
from shared.schemas.requirement import SchemaRequirement

__all__ = ["DEEP_CHECKS", "SCHEMAS"]


def _locate_schemas() -> None:
    s = get_settings()
    store = get_store()
    store.locate_dir("ubl-2.1", s.ubl_dir)
    store.locate("cius-ro", CIUS_RO_XSLT, s.cius_ro_xslt)


#: UBL 2.1 XSD + CIUS-RO: refused start-up outside development when unusable, deep check, schema_info metric.
SCHEMAS = SchemaRequirement(ARTEFACTS, _locate_schemas)


def _outbox() -> Mapping[str, Any]:
    with psycopg.connect(get_settings().dsn, connect_timeout=3) as conn:
        conn.execute("SELECT 1")
    return {"database": "ok"}


def _oauth() -> Mapping[str, Any]:
    """Token status (no token material); sets the refresh-token expiry gauge in this (parent) process."""
    runtime = AnafRuntime.create(get_anaf_settings())
    try:
        status = runtime.tokens.status()
    finally:
        runtime.close()
    if not status.get("bootstrapped"):
        raise RuntimeError("no ANAF OAuth token: run `workers-core anaf authorize-url` / `exchange-code`")
    if status.get("refresh_valid_s", 1) <= 0:
        raise RuntimeError("the ANAF refresh token expired: redo the OAuth bootstrap")
    return status


def _api_host() -> Mapping[str, Any]:
    parts = urlsplit(get_anaf_settings().api_base_url)
    response = httpx.head(f"{parts.scheme}://{parts.netloc}/", timeout=4.0)
    return {"host": parts.netloc, "status": response.status_code}


def _redis() -> Mapping[str, Any]:
    client = redis.Redis.from_url(get_anaf_settings().redis_url.get_secret_value(), socket_timeout=3)
    try:
        client.ping()
    finally:
        client.close()
    return {"redis": "ok"}


DEEP_CHECKS: list[DeepCheck] = [
    DeepCheck("efactura-outbox", _outbox),
    DeepCheck("anaf-oauth", _oauth),
    DeepCheck("anaf-api-host", _api_host),
    DeepCheck("redis", _redis),
]
