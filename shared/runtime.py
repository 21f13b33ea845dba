"""``WorkerRuntime``: the settings and per-process services of one declared worker (see ``shared.worker``).

Services are built once per pool process (at ``worker_process_init`` when possible, else on first use),
forgotten in a forked child and closed at process shutdown: they are a ``ProcessResource``, the one registry
of per-process resources. Settings are read once per process.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

import structlog

from shared.resources import ProcessResource
from shared.worker import WorkerSpec

__all__ = ["WorkerRuntime"]

S = TypeVar("S")
Svc = TypeVar("Svc")
log = structlog.get_logger(__name__)


class WorkerRuntime(Generic[S, Svc]):
    """Lazily built settings and services of ``spec`` (one instance per app)."""

    def __init__(self, spec: WorkerSpec[S, Svc]):
        self.spec = spec
        self._lock = threading.Lock()
        self._settings: S | None = None
        close = spec.close
        self._services: ProcessResource[Svc] = ProcessResource(self._build, close=close, name=f"{spec.tag}-services")

    @property
    def settings(self) -> S:
        with self._lock:
            if self._settings is None:
                self._settings = self.spec.settings()
            return self._settings

    def _build(self) -> Svc:
        return self.spec.services(self.settings)

    def services(self) -> Svc:
        return self._services.get()

    def warm_up(self) -> None:
        """Build the services now (pool process start); a failure is logged and retried on first use."""
        try:
            self._services.get()
        except Exception as exc:  # noqa: BLE001 - the first task will raise it with its own error mapping
            log.warning(
                "services not built at process start; the first task retries",
                worker=self.spec.tag,
                error=repr(exc)[:500],
            )

    def close(self) -> None:
        self._services.reset()

    def __repr__(self) -> str:
        state: Any = "built" if self._services.created else "not built"
        return f"WorkerRuntime({self.spec.tag!r}, services {state})"
