"""Events of the ``anaf.saft`` worker (declarations for the AsyncAPI document and the SDKs)."""

from __future__ import annotations

from anaf_saft.models import Period, SaftResult
from shared.worker import EventSpec

__all__ = ["EVENTS", "SaftGenerated"]


class SaftGenerated(SaftResult):
    """The result of ``saft.generate`` with the number of findings instead of the findings, and the request's keys."""

    findings: int  # type: ignore[assignment]  # a count here, the list in the result
    company: str
    period: Period
    test: bool


EVENTS: tuple[EventSpec, ...] = (
    EventSpec("saft.generated", SaftGenerated, "A D406 (SAF-T) file was generated, validated and stored."),
)
