"""``SmtpClient``: the blocking facade tasks call; it drives the process's asyncio ``SmtpPool``.

One per worker process (``email_send.service.build_services``). Under the prefork (or solo) pool tasks
run one at a time on the main thread, so the event loop runs right there (``run_until_complete``: no
thread hand-off per message). Under the threads pool the loop runs in a daemon thread and tasks submit
to it, sharing the process's sessions. The mode is fixed by the thread of the first call.
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


async def _bounded(coro: Coroutine[Any, Any, T], timeout: float) -> T:
    """``coro`` under a deadline, in the same task (``wait_for`` would wrap it in a second one)."""
    async with asyncio.timeout(timeout):
        return await coro


class SmtpClient:
    """Blocking ``send()`` over an asyncio SMTP pool."""

    def __init__(self, settings: SmtpSettings, *, pool: SmtpPool | None = None):
        self.settings = settings
        self._loop = asyncio.new_event_loop()
        self._pool = pool or SmtpPool(settings)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._inline: bool | None = None
        self._closed = False

    @property
    def stats(self) -> PoolStats:
        return self._pool.stats

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        with self._lock:
            if self._inline is None:
                self._inline = threading.current_thread() is threading.main_thread()
            if not self._inline and self._thread is None:
                self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-pool", daemon=True)
                self._thread.start()
            if self._inline:
                return self._run_inline(coro, timeout)
        return self._run_threaded(coro, timeout)

    def _run_inline(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        task = self._loop.create_task(_bounded(coro, timeout))
        try:
            return self._loop.run_until_complete(task)
        except TimeoutError:
            raise SmtpConnectionError(f"SMTP send did not finish within {timeout:.0f}s", stage="timeout") from None
        except BaseException:
            # e.g. the task's soft time limit fired inside the loop: stop the transaction, drop its session
            if not task.done():
                task.cancel()
                self._loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
            raise

    def _run_threaded(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise SmtpConnectionError(f"SMTP send did not finish within {timeout:.0f}s", stage="timeout") from None
        except BaseException:
            future.cancel()
            raise

    def send(self, message: OutgoingMessage) -> Delivery:
        """Send one message on a pooled session; raises ``email_send.errors`` on failure."""
        if self._closed:
            raise SmtpConnectionError("SMTP client is closed", stage="connect")
        # every SMTP step has its own timeout; this bounds connect + TLS + auth + transaction together
        budget = self.settings.connect_timeout + 4 * self.settings.timeout
        return self._run(self._pool.send(message), budget)

    def close(self) -> None:
        """QUIT the pooled sessions and stop the loop (worker process shutdown)."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._inline is not False:
                self._inline = True
            self._run(self._pool.close(), 10.0)
        except Exception as exc:  # noqa: BLE001 - best effort at shutdown
            log.warning("smtp pool did not close cleanly", error=repr(exc))
        if self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            if self._thread.is_alive():
                return
        if not self._loop.is_running():
            self._loop.close()
