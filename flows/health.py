"""Deep health checks of the ``flows`` worker: the state database at the code's schema, the result backend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis

from flows.config import FlowsSettings
from shared.health import DeepCheck
from shared.outbox import outbox_engine, status

__all__ = ["deep_checks"]


def deep_checks(settings: FlowsSettings) -> list[DeepCheck]:
    def database() -> Mapping[str, Any]:
        engine = outbox_engine(settings.database, environment=settings.workers_core_env)
        try:
            found = status(engine)
        finally:
            engine.dispose()
        if not found.up_to_date:
            raise RuntimeError(
                f"outbox schema at {found.current}, code at {found.head}: run `workers-core outbox migrate`"
            )
        return {"database": "ok", "schema": found.current}

    def backend() -> Mapping[str, Any]:
        client = redis.Redis.from_url(settings.redis_url.get_secret_value(), socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
        return {"redis": "ok"}

    return [DeepCheck("flows-database", database), DeepCheck("result-backend", backend)]
