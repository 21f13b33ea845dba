"""``SmtpClient``: the blocking facade tasks call; an event-loop thread owns the process's ``SmtpPool``.

One per worker process (``shared.resources.ProcessResource``): works the same under the prefork pool
(one task at a time per process) and the threads pool (tasks share the process's sessions).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import structlog

from email_send.config import SmtpSettings
from email_send.errors import SmtpConnectionError
from email_send.message import OutgoingMessage
from email_send.pool import Delivery, PoolStats, SmtpPool

__all__ = ["SmtpClient"]

log = structlog.get_logger(__name__)

T = TypeVar("T")


class SmtpClient:
    """Blocking ``send()`` over an asyncio SMTP pool running in a daemon thread."""

    def __init__(self, settings: SmtpSettings, *, pool: SmtpPool | None = None):
        self.settings = settings
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-pool", daemon=True)
        self._thread.start()
        self._pool = pool or SmtpPool(settings)
        self._closed = False

    @property
    def stats(self) -> PoolStats:
        return self._pool.stats

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float | None) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise SmtpConnectionError(f"SMTP send did not finish within {timeout:.0f}s", stage="timeout") from None
        except BaseException:
            future.cancel()  # e.g. the task's soft time limit: stop the transaction, drop its session
            raise

    def send(self, message: OutgoingMessage) -> Delivery:
        """Send one message on a pooled session; raises ``email_send.errors`` on failure."""
        if self._closed:
            raise SmtpConnectionError("SMTP client is closed", stage="connect")
        # every SMTP step has its own timeout; this bounds connect + TLS + auth + transaction together
        budget = self.settings.connect_timeout + 4 * self.settings.timeout
        return self._run(self._pool.send(message), budget)

    def close(self) -> None:
        """QUIT the pooled sessions and stop the loop thread (worker process shutdown)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._run(self._pool.close(), 10.0)
        except Exception as exc:  # noqa: BLE001 - best effort at shutdown
            log.warning("smtp pool did not close cleanly", error=repr(exc))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()
