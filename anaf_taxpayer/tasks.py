"""Tasks of the ``anaf.taxpayer`` worker: handlers over ``TaxpayerService`` (no Celery here; ``app`` declares them).

``taxpayer.validate`` returns the registry data and publishes ``anaf.taxpayer.validated`` (a summary per CUI).
"""

from __future__ import annotations

from typing import Any

from anaf_taxpayer.models import TaxpayerRequest, TaxpayerResult
from anaf_taxpayer.service import TaxpayerService
from shared.worker import Emit, Outcome, TaskContext, TaskSpec

__all__ = ["TASKS", "validate"]


def _event_data(result: TaxpayerResult) -> dict[str, Any]:
    return {
        "found": result.found,
        "not_found": result.not_found,
        "stale": result.stale,
        "results": [
            {
                "cui": r.cui,
                "found": r.found,
                "stale": r.stale,
                "source": r.source,
                "name": r.company.name if r.company else None,
                "vat_registered": r.company.vat.registered if r.company else None,
                "inactive": r.company.inactive.inactive if r.company else None,
                "efactura_registry": r.company.efactura_registry.registered if r.company else None,
            }
            for r in result.results
        ],
    }


def validate(service: TaxpayerService, request: TaxpayerRequest, ctx: TaskContext) -> Outcome:
    """Validate one CUI (``cui``) or many (``cuis``) against ANAF's VAT registry (PlatitorTvaRest v9)."""
    result = service.validate(request)
    return Outcome(result, events=[Emit("anaf.taxpayer.validated", _event_data(result))])


TASKS: tuple[TaskSpec[TaxpayerService, TaxpayerRequest], ...] = (
    TaskSpec("taxpayer.validate", TaxpayerRequest, validate, TaxpayerResult),
)
