"""Source documents against the general ledger: each invoice and payment is posted, for its amount, in a transaction.

Every document names the ledger transaction it was posted in (``transaction_id``). Documents are read
first: each claims what it moved on partner control accounts (4111, 401...) in its transaction (a sales
invoice its gross total, debit; a purchase invoice its gross total, credit; a payment the debit minus credit
of its lines on control accounts), summed per transaction (one bank transaction may settle several
invoices). Then, while the lines stream past, ``DocumentLinks.post`` subtracts the control-account movement
of the transactions documents named. One integer per named transaction is kept (twice the difference in
cents, plus one once the ledger has the transaction): memory follows the number of documents, not of
lines. The transactions left unreconciled are few; the documents naming them are found again by reading
the documents a second time (``documents.name_unreconciled``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from anaf_saft.records import GLLine

__all__ = ["DocumentLinks", "Unreconciled", "cents"]


def cents(amount: Decimal) -> int:
    return int(amount * 100)


#: transaction -> (the ledger has it, claimed minus posted cents)
Unreconciled = dict[str, tuple[bool, int]]


class DocumentLinks:
    """What documents claim per ledger transaction, less what the ledger moved there."""

    def __init__(self, controls: set[str]):
        self.controls = controls
        self._state: dict[str, int] = {}

    def claim(self, transaction_id: str, amount: Decimal) -> None:
        """A document moved ``amount`` on control accounts in ``transaction_id`` (non-empty)."""
        self._state[transaction_id] = self._state.get(transaction_id, 0) + 2 * cents(amount)

    def post(self, tx: Iterable[GLLine]) -> None:
        """Subtract one ledger transaction's control-account movement, when a document named it."""
        moved = 0
        tx_id = ""
        for line in tx:
            tx_id = line.transaction_id
            if line.account_id in self.controls:
                moved += cents(line.debit - line.credit)
        state = self._state.get(tx_id)
        if state is not None:
            self._state[tx_id] = (state - 2 * moved) | 1

    def unreconciled(self, limit: int) -> Unreconciled:
        """Up to ``limit`` named transactions missing from the ledger or moving another amount than claimed."""
        out: Unreconciled = {}
        for tx_id, state in self._state.items():
            if state != 1:  # 1: in the ledger, difference 0
                out[tx_id] = (bool(state & 1), state >> 1)
                if len(out) >= limit:
                    break
        return out
