"""``termination_deferred()``: a side effect and its record run to the end before a SIGTERM takes effect.

A prefork child is SIGTERMed when the worker loses its broker connection
(``worker_cancel_long_running_tasks_on_connection_loss``) or is cancelled; billiard's handler raises
``SystemExit`` wherever the child happens to be. Landing between "the SMTP server accepted" and "the idempotency
key says sent" it made the next delivery send again. Inside ``termination_deferred()`` the signal is only
noted; the previous handler runs (and raises) as soon as the block is left, so the interruption still happens,
a few milliseconds later, at a point where the outcome is recorded.

Only the main thread can install signal handlers: elsewhere (the ``threads`` pool) the block runs as is.
SIGKILL (hard time limit, OOM) cannot be deferred; that window stays documented in ``shared.idempotency``.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["DEFERRED_SIGNALS", "termination_deferred"]

#: the signals a pool child is asked to stop with (SIGINT is ignored in pool children already)
DEFERRED_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM,)


@contextmanager
def termination_deferred() -> Iterator[None]:
    """Note SIGTERM during the block and deliver it to the previous handler once the block is left."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[tuple[int, FrameType | None]] = []

    def note(signum: int, frame: FrameType | None) -> None:
        received.append((signum, frame))

    previous: dict[signal.Signals, Any] = {sig: signal.signal(sig, note) for sig in DEFERRED_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            _deliver(previous, *received[0])


def _deliver(previous: dict[signal.Signals, Any], signum: int, frame: FrameType | None) -> None:
    handler = previous[signal.Signals(signum)]
    if callable(handler):
        handler(signum, frame)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)
