"""The health app every worker serves from its parent process: /healthz, /readyz, /metrics.

``HealthServer`` runs uvicorn in a daemon thread (no signal handlers; stopped with ``should_exit`` then
``join``). Requests pass ``shared.http_limits.HTTPLimits`` first (headers 431, bodies 413). Every check runs with a timeout so a dead
dependency never hangs a probe. Deep checks (``?deep=true``: SMTP, ANAF, ...) also run behind a circuit breaker
so a probe does not hammer a failing remote; the plain readiness checks (broker, result backend) never do: an
open breaker kept ``/readyz`` red for up to ``reset_timeout`` (17-23 s measured) after the dependency was back.
Verdicts are counted through OpenTelemetry.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pybreaker
import structlog
import uvicorn
from fastapi import FastAPI, Query, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator

from shared.http_limits import HTTPLimits

__all__ = ["CachedCheck", "DeepCheck", "HealthServer", "Probe", "build_health_app", "run_checks"]

log = structlog.get_logger(__name__)


@dataclass
class DeepCheck:
    """A dependency check; ``check`` raises to fail and may return details. Runs with ``timeout``."""

    name: str
    check: Callable[[], Mapping[str, Any] | None]
    timeout: float = 5.0
    breaker: pybreaker.CircuitBreaker = field(
        default_factory=lambda: pybreaker.CircuitBreaker(fail_max=3, reset_timeout=30)
    )


class CachedCheck:
    """A deep check's ``probe`` with its verdict kept ``seconds`` (a repeat answers ``"cached": True``).

    One probe runs at a time: a second caller waits for the first verdict. A failure is kept too when
    ``keep_failures`` (a probe too costly to repeat on every readiness call), else the next call probes again.
    """

    def __init__(
        self, probe: Callable[[], Mapping[str, Any]], *, seconds: float = 30.0, keep_failures: bool = False
    ) -> None:
        self.probe = probe
        self.seconds = seconds
        self.keep_failures = keep_failures
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any], BaseException | None] | None = None

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self.seconds:
                _, details, error = self._cached
                if error is not None:
                    raise error
                return {**details, "cached": True}
            try:
                details = dict(self.probe())
            except BaseException as exc:
                if self.keep_failures:
                    self._cached = (now, {}, exc)
                raise
            self._cached = (now, details, None)
            return details


@dataclass
class Probe:
    """What the health app asks the worker: liveness, readiness checks and deep checks."""

    tag: str
    liveness: Callable[[], Mapping[str, Any]]
    readiness: Sequence[DeepCheck]
    deep: Sequence[DeepCheck] = ()
    on_result: Callable[[str, str, bool, float], None] | None = None


_EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="health-check")


def _run_one(
    kind: str, check: DeepCheck, on_result: Callable[[str, str, bool, float], None] | None, *, breaker: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    result: dict[str, Any] = {"name": check.name}
    try:
        future = _EXECUTOR.submit(check.breaker.call, check.check) if breaker else _EXECUTOR.submit(check.check)
        details = future.result(timeout=check.timeout)
        result.update(status="ok")
        if details:
            result["details"] = dict(details)
    except concurrent.futures.TimeoutError:
        result.update(status="fail", error=f"timed out after {check.timeout:.1f}s")
    except pybreaker.CircuitBreakerError:
        result.update(status="fail", error="circuit open: failing repeatedly, not retried until reset")
    except Exception as exc:  # noqa: BLE001 - a failing check is data, not a crash
        result.update(status="fail", error=f"{type(exc).__name__}: {exc}"[:500])
    elapsed = time.perf_counter() - started
    result["duration_ms"] = round(elapsed * 1000, 1)
    if on_result is not None:
        on_result(kind, check.name, result["status"] == "ok", elapsed)
    return result


def run_checks(
    kind: str,
    checks: Sequence[DeepCheck],
    on_result: Callable[[str, str, bool, float], None] | None = None,
    *,
    breaker: bool = True,
) -> tuple[bool, list[dict[str, Any]]]:
    """Run ``checks`` (each with its timeout; through its circuit breaker unless ``breaker=False``)."""
    results = [_run_one(kind, c, on_result, breaker=breaker) for c in checks]
    return all(r["status"] == "ok" for r in results), results


def build_health_app(probe: Probe, registry: CollectorRegistry) -> FastAPI:
    """FastAPI app with liveness, readiness (+ deep checks) and the metrics of every pool process."""
    app = FastAPI(title=f"workers-core {probe.tag} health", version="1", docs_url=None, redoc_url=None)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        info = dict(probe.liveness())
        alive = bool(info.pop("alive", True))
        return JSONResponse(
            {"status": "ok" if alive else "fail", "tag": probe.tag, **info}, status_code=200 if alive else 503
        )

    @app.get("/readyz")
    def readyz(deep: bool = Query(default=False)) -> JSONResponse:
        # readiness is a cheap local question asked every few seconds: answered afresh each time, no breaker
        ok, checks = run_checks("readiness", probe.readiness, probe.on_result, breaker=False)
        body: dict[str, Any] = {"status": "ok" if ok else "fail", "tag": probe.tag, "checks": checks}
        if deep:
            deep_ok, deep_checks = run_checks("deep", probe.deep, probe.on_result)
            body["deep"] = deep_checks
            ok = ok and deep_ok
            body["status"] = "ok" if ok else "fail"
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    Instrumentator(
        excluded_handlers=["/metrics"],
        registry=registry,
    ).instrument(app)
    app.add_middleware(HTTPLimits)  # added last: outermost, before the instrumentator counts anything
    return app


class HealthServer:
    """uvicorn in a daemon thread: ``start()`` returns once the port listens, ``stop()`` joins."""

    def __init__(self, app: FastAPI, host: str, port: int):
        config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self.host, self.port = host, port

    def start(self, timeout: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._server.run, name="health-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"health server failed to start on {self.host}:{self.port}")
            if time.monotonic() > deadline:
                raise RuntimeError("health server did not start in time")
            time.sleep(0.02)
        log.info("health server listening", host=self.host, port=self.port)

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
