"""Pass 1's bookkeeping: findings (capped per rule), totals, the segment cut, and records read from a source.

Rows that cannot be parsed become ``bad_row`` findings and unreadable files ``bad_file`` ones, so the checks
see only records. Lines and documents are grouped from consecutive rows with the same key, one group in
memory at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, TypeVar

from anaf_saft.records import DOCUMENT_KINDS, ZERO, GLLine, RecordError, parse
from anaf_saft.sources import AccountingSource
from shared.xml import Finding

__all__ = ["DocumentTotals", "Plan", "SegmentPlan", "grouped_documents", "grouped_transactions", "read_records"]

MAX_FINDINGS_PER_CODE = 50


@dataclass
class SegmentPlan:
    index: int
    lines: int = 0
    entries: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO


@dataclass
class DocumentTotals:
    """One SourceDocuments section (SalesInvoices, PurchaseInvoices, Payments): entries and line totals."""

    entries: int = 0
    lines: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def _empty_documents() -> dict[str, DocumentTotals]:
    return {kind: DocumentTotals() for kind in DOCUMENT_KINDS}


@dataclass
class Plan:
    """Everything pass 1 learnt: findings, totals and the segment cut."""

    findings: list[Finding] = field(default_factory=list)
    segments: list[SegmentPlan] = field(default_factory=list)
    lines: int = 0
    entries: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    documents: dict[str, DocumentTotals] = field(default_factory=_empty_documents)
    _counts: dict[str, int] = field(default_factory=dict)

    @property
    def fatal(self) -> list[Finding]:
        return [f for f in self.findings if f.fatal]

    def add(self, code: str, message: str, *, where: str = "", fatal: bool = True) -> None:
        n = self._counts.get(code, 0) + 1
        self._counts[code] = n
        if n <= MAX_FINDINGS_PER_CODE:
            self.findings.append(Finding(source="checks", rule=code, message=message, fatal=fatal, location=where))
        elif n == MAX_FINDINGS_PER_CODE + 1:
            self.findings.append(
                Finding(
                    source="checks", rule=code, message=f"more {code} findings not listed", fatal=fatal, location=""
                )
            )


def read_records(plan: Plan, source: AccountingSource, kind: str) -> Iterator[object]:
    try:
        for n, row in enumerate(source.rows(kind), 1):
            try:
                yield parse(kind, row)
            except RecordError as exc:
                plan.add("bad_row", str(exc), where=f"{kind}[{n}]")
    except ValueError as exc:  # unreadable file (not JSON, bad encoding)
        plan.add("bad_file", str(exc), where=kind)
    except UnicodeDecodeError:
        plan.add("bad_file", "not UTF-8 text", where=kind)


def grouped_transactions(lines: Iterator[GLLine]) -> Iterator[list[GLLine]]:
    """Consecutive lines with the same (journal, transaction) form one transaction."""
    current: list[GLLine] = []
    key: tuple[str, str] | None = None
    for line in lines:
        k = (line.journal_id, line.transaction_id)
        if k != key and current:
            yield current
            current = []
        key = k
        current.append(line)
    if current:
        yield current


class _Document(Protocol):
    @property
    def document(self) -> tuple[str, str]: ...


_D = TypeVar("_D", bound=_Document)


def grouped_documents(lines: Iterator[_D]) -> Iterator[list[_D]]:
    """Consecutive lines with the same document key (partner and invoice number, or payment reference) form one document."""
    current: list[_D] = []
    key: tuple[str, str] | None = None
    for line in lines:
        k = line.document
        if k != key and current:
            yield current
            current = []
        key = k
        current.append(line)
    if current:
        yield current
