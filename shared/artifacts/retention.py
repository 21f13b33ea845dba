"""How long each kind of artifact is kept, as S3 lifecycle rules and as a cleanup pass over any store.

Legal basis of the long periods: Legea contabilității nr. 82/1991, republicată (Monitorul Oficial nr. 454 din
18 iunie 2008, renumbered by OUG nr. 102/2007 as approved by Legea nr. 86/2008), art. 25 alin. (1): accounting
registers and the supporting documents behind them are kept 10 years from the end of the financial year in which
they were drawn up (payrolls: 50 years); alin. (2) lets an order of the Minister of Finance (OMFP nr. 2634/2015)
name documents kept only 5 years, none of which is an invoice or a SAF-T return. e-Factura archives (the signed
invoice and ANAF's answer) and the D406 SAF-T files are such documents: 10 years after the financial year.

An age-based lifecycle rule cannot count from the end of a financial year, so it keeps legal kinds
``10 * 366 + 366`` days (the longest such span); the cleanup command applies the exact date. The financial year
is taken as the calendar year; an entity with another one overrides the kind's days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.artifacts.model import GENERAL, ArtifactStore, check_kind

__all__ = [
    "DEFAULT_RETENTION",
    "LEGAL_BASIS",
    "CleanupReport",
    "Retention",
    "cleanup",
    "lifecycle_rules",
    "retention_table",
]

LEGAL_BASIS = "Legea contabilității nr. 82/1991, republicată (MOf nr. 454/2008), art. 25 alin. (1): 10 ani"


@dataclass(frozen=True)
class Retention:
    """Keep ``kind`` for ``days`` after creation, or ``fiscal_years`` after the end of its financial year.

    Neither set: kept until deleted by its owner.
    """

    kind: str
    days: int | None = None
    fiscal_years: int | None = None
    basis: str = ""

    def expires(self, created: datetime) -> datetime | None:
        if self.fiscal_years is not None:
            return datetime(created.year + 1 + self.fiscal_years, 1, 1, tzinfo=UTC)
        if self.days is not None:
            return created + timedelta(days=self.days)
        return None

    def lifecycle_days(self) -> int | None:
        if self.fiscal_years is not None:
            return (self.fiscal_years + 1) * 366
        return self.days


DEFAULT_RETENTION: Mapping[str, Retention] = {
    "efactura-archive": Retention("efactura-archive", fiscal_years=10, basis=LEGAL_BASIS),
    "saft": Retention("saft", fiscal_years=10, basis=LEGAL_BASIS),
    "render": Retention("render", days=7, basis="scratch: the caller downloads the PDF within the link's life"),
    "ocr-input": Retention("ocr-input", days=7, basis="scratch: input of one OCR task"),
    "probe": Retention("probe", days=1, basis="health-check probe, normally deleted at once"),
    GENERAL: Retention(GENERAL, basis="no rule: kept until its owner deletes it"),
}


def retention_table(overrides: Mapping[str, int | None] | None = None) -> dict[str, Retention]:
    """The defaults with ``{kind: days}`` overrides applied (``None`` or ``0``: keep; new kinds allowed)."""
    table = dict(DEFAULT_RETENTION)
    for kind, days in (overrides or {}).items():
        table[check_kind(kind)] = Retention(kind, days=days or None, basis="configured (ARTIFACT_RETENTION_DAYS)")
    return table


def lifecycle_rules(table: Mapping[str, Retention], prefix: str = "") -> list[dict[str, Any]]:
    """S3 lifecycle rules (one per kind with a period) selecting ``<prefix><kind>/``; aborts stale uploads too."""
    rules: list[dict[str, Any]] = []
    for kind, retention in sorted(table.items()):
        days = retention.lifecycle_days()
        if days is None:
            continue
        rules.append(
            {
                "ID": f"workers-core-{kind}",
                "Status": "Enabled",
                "Filter": {"Prefix": f"{prefix}{kind}/"},
                "Expiration": {"Days": days},
            }
        )
    rules.append(
        {
            "ID": "workers-core-abort-multipart",
            "Status": "Enabled",
            "Filter": {"Prefix": prefix},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        }
    )
    return rules


@dataclass
class CleanupReport:
    """What one cleanup pass looked at and removed, per kind."""

    scanned: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"scanned": self.scanned, "deleted": {k: len(v) for k, v in self.deleted.items()}}


def cleanup(
    store: ArtifactStore,
    table: Mapping[str, Retention],
    *,
    now: datetime | None = None,
    kinds: Iterable[str] | None = None,
    dry_run: bool = False,
) -> CleanupReport:
    """Delete every artifact older than its kind's retention (``dry_run``: only report what would go)."""
    now = now or datetime.now(UTC)
    report = CleanupReport()
    for kind in kinds or sorted(table):
        retention = table[kind]
        if retention.lifecycle_days() is None:
            continue
        report.scanned[kind], report.deleted[kind] = 0, []
        for obj in store.objects(kind):
            report.scanned[kind] += 1
            expires = retention.expires(obj.modified)
            if expires is not None and expires <= now:
                if not dry_run:
                    store.delete(obj.key)
                report.deleted[kind].append(obj.key)
    return report
