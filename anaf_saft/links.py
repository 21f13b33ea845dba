"""Source documents against the general ledger: each invoice and payment is posted, for its amount, in a transaction.

Every document names the ledger transaction it was posted in (``transaction_id``). While the lines stream
past, ``DocumentLinks.post`` keeps one number per transaction: its movement on partner control accounts
(4111, 401...), in cents; then each document adds what it should have moved there: a sales invoice its
gross total (debit), a purchase invoice its gross total (credit), a payment the debit minus credit of its
lines on control accounts. Documents posted together (one bank transaction settling several invoices) are
summed per transaction. Findings name the document and the transaction: no transaction named, a
transaction the ledger does not have, or control-account amounts that differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from anaf_saft.records import GLLine

__all__ = ["DocumentLinks"]

_MAX_LABELS = 3


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


class DocumentLinks:
    """Ledger transactions' control-account movements and the documents that claim them."""

    def __init__(self, controls: set[str]):
        self.controls = controls
        self.posted: dict[str, int] = {}
        self.expected: dict[str, int] = {}
        self.labels: dict[str, list[str]] = {}

    def post(self, tx: Iterable[GLLine]) -> None:
        """Remember one ledger transaction (its lines)."""
        moved = 0
        tx_id = ""
        for line in tx:
            tx_id = line.transaction_id
            if line.account_id in self.controls:
                moved += _cents(line.debit - line.credit)
        self.posted[tx_id] = self.posted.get(tx_id, 0) + moved

    def claim(self, label: str, transaction_id: str, amount: Decimal) -> tuple[str, str] | None:
        """Document ``label`` says it moved ``amount`` on control accounts in ``transaction_id``; (rule, why) if it cannot."""
        if not transaction_id:
            return ("document_unlinked", f"{label} names no ledger transaction (transaction_id): it cannot be "
                    "reconciled with the general ledger")
        if transaction_id not in self.posted:
            return ("document_not_in_ledger", f"{label}: transaction {transaction_id} is not in the general ledger")
        self.expected[transaction_id] = self.expected.get(transaction_id, 0) + _cents(amount)
        labels = self.labels.setdefault(transaction_id, [])
        if len(labels) < _MAX_LABELS:
            labels.append(label)
        elif len(labels) == _MAX_LABELS:
            labels.append("...")
        return None

    def findings(self) -> Iterator[tuple[str, str, str]]:
        """(rule, message, location) for each transaction whose documents disagree with its control-account movement."""
        for tx_id, expected in self.expected.items():
            posted = self.posted[tx_id]
            if posted != expected:
                docs = ", ".join(self.labels[tx_id])
                yield ("document_ledger_mismatch",
                       f"{docs}: partner control accounts should move {Decimal(expected) / 100:.2f} in transaction "
                       f"{tx_id}, the ledger moves {Decimal(posted) / 100:.2f}", f"lines transaction={tx_id}")
