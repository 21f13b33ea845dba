"""Source documents against the general ledger: each invoice and payment is posted, for its amount, in a transaction.

Every document names the ledger transaction it was posted in (``transaction_id``). Documents are read
first: each adds what it should have moved on partner control accounts (4111, 401...) in its transaction
(a sales invoice its gross total, debit; a purchase invoice its gross total, credit; a payment the debit
minus credit of its lines on control accounts), in cents, summed per transaction (one bank transaction may
settle several invoices). Then, while the lines stream past, ``DocumentLinks.post`` adds the control-account
movement of the transactions documents named, and only of those: memory follows the number of documents,
not of lines. Findings name the document and the transaction: no transaction named, a transaction the
ledger does not have, or control-account amounts that differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from anaf_saft.records import GLLine

__all__ = ["DocumentLinks"]


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


class DocumentLinks:
    """What documents claim per ledger transaction, then what the ledger moved there."""

    def __init__(self, controls: set[str]):
        self.controls = controls
        self.expected: dict[str, int] = {}
        self.posted: dict[str, int] = {}
        self.first: dict[str, str] = {}  # transaction -> the first document naming it
        self.count: dict[str, int] = {}  # transaction -> documents naming it, when more than one

    def claim(self, label: str, transaction_id: str, amount: Decimal) -> tuple[str, str] | None:
        """Document ``label`` moved ``amount`` on control accounts in ``transaction_id``; (rule, why) when it names none."""
        if not transaction_id:
            return ("document_unlinked", f"{label} names no ledger transaction (transaction_id): it cannot be "
                    "reconciled with the general ledger")
        if transaction_id in self.expected:
            self.expected[transaction_id] += _cents(amount)
            self.count[transaction_id] = self.count.get(transaction_id, 1) + 1
        else:
            self.expected[transaction_id] = _cents(amount)
            self.first[transaction_id] = label
        return None

    def post(self, tx: Iterable[GLLine]) -> None:
        """Add one ledger transaction's control-account movement, when a document named it."""
        moved = 0
        tx_id = ""
        for line in tx:
            tx_id = line.transaction_id
            if line.account_id in self.controls:
                moved += _cents(line.debit - line.credit)
        if tx_id in self.expected:
            self.posted[tx_id] = self.posted.get(tx_id, 0) + moved

    def _documents(self, tx_id: str) -> str:
        more = self.count.get(tx_id, 1) - 1
        return self.first[tx_id] + (f" (and {more} more document{'s' if more > 1 else ''})" if more else "")

    def findings(self) -> Iterator[tuple[str, str, str]]:
        """(rule, message, location) for each named transaction missing from the ledger or moving another amount."""
        for tx_id, expected in self.expected.items():
            where = f"lines transaction={tx_id}"
            posted = self.posted.get(tx_id)
            if posted is None:
                yield ("document_not_in_ledger", f"{self._documents(tx_id)}: transaction {tx_id} is not in the "
                       "general ledger", where)
            elif posted != expected:
                yield ("document_ledger_mismatch",
                       f"{self._documents(tx_id)}: partner control accounts should move {Decimal(expected) / 100:.2f} "
                       f"in transaction {tx_id}, the ledger moves {Decimal(posted) / 100:.2f}", where)
