"""Tasks of the `ocr` worker (thin: validate payload -> call the service -> return JSON).

`ocr.ping` is registered by shared.celery_app.create_app for every worker.
"""

from __future__ import annotations

from typing import Any

from ocr.app import app
from ocr.extraction import get_ocr_service
from ocr.models import OcrRequest
from shared.events import publish_event


@app.task(name="ocr.extract", bind=True)  # type: ignore[untyped-decorator]
def extract(self: Any, **kwargs: Any) -> dict[str, Any]:
    """Text plus per-page lines (boxes, confidence) of an image or PDF given by artifact key or inline base64."""
    request = OcrRequest.model_validate(kwargs)
    result = get_ocr_service().extract(request)
    publish_event("ocr.extracted", {"pages": result.page_count, "engine": result.engine, "language": result.language,
                                    "characters": len(result.text), "artifact_key": request.artifact_key})
    return result.model_dump(mode="json")
