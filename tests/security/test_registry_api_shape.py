"""Issue 14 (registry part): routes live in ``registry/api/routes`` (one module per resource, one ``api_router``),
and the heartbeat's checks are one function shared by the FastAPI route and the ASGI fast path, so both answer
every abuse the same way."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute

import registry.api.routes as routes_package
from registry.api.main import api_router
from registry.auth import SCOPE_ADMIN, SCOPE_HEARTBEAT, SCOPE_READ
from registry.config import RegistrySettings
from registry.main import create_app
from tests.security.registry_fixtures import (  # noqa: F401 - pytest fixtures
    SECRET,
    bearer,
    clean_registry,
    client_for,
    make_settings,
    registry_pg_url,
    registry_redis_url,
)


def test_every_operation_comes_from_one_resource_module() -> None:
    modules = {name for _, name, _ in pkgutil.iter_modules(routes_package.__path__)}
    assert modules == {"discovery", "instances", "ops", "scaling", "workers"}
    declared: dict[tuple[str, str], str] = {}
    for name in sorted(modules):
        module = importlib.import_module(f"registry.api.routes.{name}")
        assert module.__doc__, name
        for route in module.router.routes:
            assert isinstance(route, APIRoute) and route.endpoint.__module__ == module.__name__
            for method in route.methods or ():
                assert (route.path, method.lower()) not in declared, route.path
                declared[(route.path, method.lower())] = name
    app = create_app(RegistrySettings(jwt_secret=SECRET, workers_core_env="test"))
    served = {(path, method) for path, item in app.openapi()["paths"].items() for method in item}
    assert served == set(declared)
    assert api_router is importlib.import_module("registry.api").api_router


def test_fast_path_and_route_answer_every_abuse_alike(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, registry_redis_url: str
) -> None:
    from tests.registry.conftest import _wipe

    body = b'{"instance_id": "ocr@1"}'
    cases: list[tuple[str, dict[str, str], bytes]] = [
        ("/v1/workers/ocr/heartbeat", bearer(SCOPE_HEARTBEAT, tag="ocr"), body),
        ("/v1/workers/ocr/heartbeat", bearer(SCOPE_HEARTBEAT, tag="pdf.render"), body),
        ("/v1/workers/ocr/heartbeat", bearer(SCOPE_HEARTBEAT), body),
        ("/v1/workers/ocr/heartbeat", bearer(SCOPE_HEARTBEAT, tag="ocr", instance="ocr@2"), body),
        ("/v1/workers/ocr/heartbeat", bearer(SCOPE_READ, tag="ocr"), body),
        ("/v1/workers/ocr/heartbeat", bearer(SCOPE_ADMIN), body),
        ("/v1/workers/Bad%20Tag/heartbeat", bearer(SCOPE_HEARTBEAT, tag="ocr"), body),
        ("/v1/workers/ocr/heartbeat", {}, body),
        ("/v1/workers/ocr/heartbeat", {}, b""),
        (
            "/v1/workers/ocr/heartbeat",
            bearer(SCOPE_HEARTBEAT, tag="ocr"),
            b'{"instance_id": "ocr@1", "pad": "' + b"x" * 70_000 + b'"}',
        ),
        (
            "/v1/workers/ocr/heartbeat",
            bearer(SCOPE_HEARTBEAT, tag="ocr"),
            b'{"instance_id": "ocr@1", "queue_size": 2.0}',
        ),
    ]
    answers: dict[bool, list[tuple[int, Any, str | None]]] = {}
    for fast in (True, False):
        _wipe(registry_redis_url)
        with client_for(make_settings(heartbeat_fast_path=fast)) as client:
            out = []
            for path, headers, content in cases:
                response = client.patch(path, headers=headers, content=content)
                answer = response.json()
                answer.pop("accepted_at", None)
                out.append((response.status_code, answer, response.headers.get("www-authenticate")))
            answers[fast] = out
    assert [a[0] for a in answers[True]] == [200, 403, 403, 403, 403, 200, 422, 401, 401, 413, 200]
    assert answers[True] == answers[False]
