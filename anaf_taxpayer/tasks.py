"""Tasks of the `anaf.taxpayer` worker (thin: validate payload -> call the service -> return JSON).

`anaf.taxpayer.ping` is registered by shared.celery_app.create_app for every worker.
"""

from __future__ import annotations

from typing import Any

from anaf_taxpayer.app import app
from anaf_taxpayer.models import TaxpayerRequest, TaxpayerResult
from anaf_taxpayer.service import get_service
from shared.events import publish_event

__all__ = ["validate"]


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


@app.task(name="taxpayer.validate", bind=True)  # type: ignore[untyped-decorator]
def validate(self: Any, **kwargs: Any) -> dict[str, Any]:
    """Validate one CUI (``cui``) or many (``cuis``) against ANAF's VAT registry (PlatitorTvaRest v9)."""
    request = TaxpayerRequest.model_validate(kwargs)
    result = get_service().validate(request)
    publish_event("anaf.taxpayer.validated", _event_data(result))
    return result.model_dump(mode="json")
