"""Beat entries of the ``reges`` worker and the monthly reporting hook (roadmap 316).

``BEAT_SCHEDULE`` is the worker's ``WorkerSpec.schedule`` and its ``workers_core.schedules`` entry point, which
``workers-core beat`` runs: the result drain every minute. ``companies_due`` is the monthly hook: which companies
must report to REGES this month (only those with employees, and each once per month).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["BEAT_SCHEDULE", "CompanyHeadcount", "companies_due"]

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "reges-drain-results": {
        "task": "reges.drain",
        "schedule": 60.0,
        "kwargs": {"batch": 50, "max_batches": 20},
        "options": {"expires": 55},
    },
}


class CompanyHeadcount(BaseModel):
    cui: str
    employees: int = Field(ge=0)
    last_reported: dt.date | None = None


def companies_due(companies: Iterable[CompanyHeadcount], today: dt.date) -> list[str]:
    """CUIs with at least one employee that have not reported in ``today``'s month yet."""
    month = (today.year, today.month)
    return [
        c.cui
        for c in companies
        if c.employees > 0 and (c.last_reported is None or (c.last_reported.year, c.last_reported.month) < month)
    ]
