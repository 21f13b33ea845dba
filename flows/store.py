"""The invoicing flows' rows in the shared outbox (namespace ``flow-invoice``): one per flow key.

``state`` is the flow's stage, ``data`` what it learnt (children's task ids, artifacts, the filing), ``step`` the
task id of the only look that may act next and ``prev`` the one that sent it (``sends``: what it sent, again
on its redelivery). A look works under the row's lease, so two copies of one look never both act.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.errors import TransientError
from shared.outbox import Outbox, OutboxRow

__all__ = ["NAMESPACE", "TERMINAL", "FlowStore"]

NAMESPACE = "flow-invoice"
TERMINAL = frozenset({"done", "rejected", "stopped"})
_LEASE_S = 60.0


class FlowStore:
    def __init__(self, box: Outbox):
        self.box = box

    def open(self, key: str, *, state: str, subject: str, data: Mapping[str, Any]) -> tuple[OutboxRow, bool]:
        return self.box.open(key, state=state, subject=subject, data=data)

    def get(self, key: str) -> OutboxRow | None:
        return self.box.get(key)

    def by_id(self, flow_id: int) -> OutboxRow | None:
        return self.box.by_id(flow_id)

    def hold(self, key: str, owner: str) -> OutboxRow:
        """The row under ``owner``'s lease; ``TransientError`` (retried shortly) while another look holds it."""
        row = self.box.claim(key, owner, lease_s=_LEASE_S, count_attempt=False)
        if row is None:
            raise TransientError("another look at this flow is running", retry_after=1.0, code="flow_busy")
        return row

    def save(
        self,
        key: str,
        owner: str,
        *,
        state: str,
        data: Mapping[str, Any],
        errors: list[str] | None,
        finished: bool,
    ) -> OutboxRow:
        row = self.box.update(key, owner=owner, state=state, data=data, errors=errors, release=True, finished=finished)
        if row is None:  # the lease ran out under us and another look took the row
            raise TransientError("the flow moved on during this look", retry_after=1.0, code="flow_busy")
        return row

    def release(self, key: str, owner: str) -> None:
        self.box.release(key, owner)
