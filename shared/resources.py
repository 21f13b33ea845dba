"""Per-process resources (browser, SMTP pool, OCR model, HTTP clients): built once, reused by every task.

A ``ProcessResource`` is created lazily on first ``get()`` inside a pool child, forgotten in a forked
child (a parent's socket or browser must never be shared across processes) and closed when the worker
process shuts down (``close_all`` is wired to Celery's ``worker_process_shutdown`` by ``create_app``).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

import structlog

__all__ = ["ProcessResource", "close_all"]

T = TypeVar("T")
log = structlog.get_logger(__name__)
_ALL: weakref.WeakSet[ProcessResource[object]] = weakref.WeakSet()


class ProcessResource(Generic[T]):
    """A lazily built singleton per process; thread-safe; ``reset()`` closes and forgets it."""

    def __init__(self, factory: Callable[[], T], *, close: Callable[[T], None] | None = None, name: str = ""):
        self._factory = factory
        self._close = close
        self._name = name or getattr(factory, "__qualname__", "resource")
        self._lock = threading.Lock()
        self._value: T | None = None
        self._pid: int | None = None
        _ALL.add(self)  # type: ignore[arg-type]

    def get(self) -> T:
        pid = os.getpid()
        value = self._value
        if value is not None and self._pid == pid:
            return value
        with self._lock:
            if self._value is None or self._pid != pid:
                self._value = self._factory()  # a forked copy of the parent's value is dropped, not closed
                self._pid = pid
                log.debug("process resource created", resource=self._name, pid=pid)
            return self._value

    @property
    def created(self) -> bool:
        return self._value is not None and self._pid == os.getpid()

    def reset(self) -> None:
        """Close (best effort) and forget the value; the next ``get()`` builds a new one."""
        with self._lock:
            value, self._value = self._value, None
            owned = self._pid == os.getpid()
            self._pid = None
        if value is not None and owned and self._close is not None:
            try:
                self._close(value)
            except Exception as exc:  # noqa: BLE001 - closing must never break shutdown
                log.warning("closing process resource failed", resource=self._name, error=repr(exc))


def close_all() -> None:
    """Close every resource this process created (called at worker process shutdown)."""
    for res in list(_ALL):
        res.reset()
