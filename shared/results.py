"""The result backend of the workers: Redis, retried through an outage, and never the reason a task is dead-lettered.

With the stock backend a Redis outage turned finished work into dead letters: the task succeeded (or
scheduled its retry, which re-published it), then storing its state raised, Celery took the task as failed and,
with ``task_acks_on_failure=False``, rejected the message into ``<queue>.dlq`` (505 dead letters for 216
successful tasks under load). Here:

- every state write is retried with capped exponential backoff through an outage, for up to
  ``STORE_DEADLINE_S`` seconds. (Celery's ``result_backend_always_retry`` bounds the retries by count, and with
  Redis refusing connections each attempt fails at once: 8 retries were spent in ~8 s, measured; a deadline
  is what an outage needs.)
- if Redis is still away after that, the write is given up *and logged*, never raised: the message is acked
  or rejected by what the task did, not by whether its state could be written. A task that succeeded during a
  longer outage then reads PENDING until it expires (its side effects and events are done; the README says so).

``result_backend_url`` names it in ``result_backend`` (Celery's ``<backend class>+<url>`` form).
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from celery.backends.redis import RedisBackend
from celery.exceptions import BackendStoreError

__all__ = ["STORE_DEADLINE_S", "ResilientRedisBackend", "result_backend_url"]

log = structlog.get_logger(__name__)

#: how long one state write keeps retrying through a Redis outage before it is given up (logged)
STORE_DEADLINE_S = 60.0
_FIRST_PAUSE_S, _MAX_PAUSE_S = 0.2, 2.0


def result_backend_url(redis_url: str) -> str:
    """``result_backend`` value for a Redis URL: this backend class over that URL."""
    return f"{ResilientRedisBackend.__module__}:{ResilientRedisBackend.__name__}+{redis_url}"


class ResilientRedisBackend(RedisBackend):
    """``RedisBackend`` whose ``store_result`` gives up with a log line instead of an exception."""

    def store_result(
        self,
        task_id: str,
        result: Any,
        state: str,
        traceback: Any = None,
        request: Any = None,
        **kwargs: Any,
    ) -> Any:
        deadline = time.monotonic() + STORE_DEADLINE_S
        pause = _FIRST_PAUSE_S
        while True:
            try:
                return super().store_result(task_id, result, state, traceback, request, **kwargs)
            except (BackendStoreError, *self.connection_errors) as exc:
                if time.monotonic() + pause > deadline:
                    log.error(
                        "task state not recorded: the result store stayed unavailable; the task's outcome stands",
                        task_id=task_id,
                        state=state,
                        error=repr(exc),
                    )
                    return result
                log.warning("result store unavailable, retrying", task_id=task_id, state=state, error=repr(exc))
                time.sleep(pause)
                pause = min(pause * 2, _MAX_PAUSE_S)
