"""One live polling chain per outbox row: a redelivered or superseded ``efactura.poll`` steps aside."""

from __future__ import annotations

import redis

from shared.keys import poll_chain_key

__all__ = ["PollChain"]


class PollChain:
    """Redis records the task id of the poll that is due next for a row; only that one may act."""

    def __init__(self, client: redis.Redis[bytes], namespace: str, ttl_s: int = 7 * 86400):
        self._r = client
        self._namespace = namespace
        self._ttl = ttl_s

    def current(self, outbox_id: int) -> str | None:
        value = self._r.get(poll_chain_key(self._namespace, outbox_id))
        return value.decode() if value else None

    def may_run(self, outbox_id: int, task_id: str) -> bool:
        current = self.current(outbox_id)
        return current is None or current == task_id

    def hand_over(self, outbox_id: int, next_task_id: str | None) -> None:
        key = poll_chain_key(self._namespace, outbox_id)
        if next_task_id is None:
            self._r.delete(key)
        else:
            self._r.set(key, next_task_id, ex=self._ttl)
