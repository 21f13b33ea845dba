"""Tasks of the ``ocr`` worker: handlers over ``OcrService`` (no Celery here; ``ocr.app`` declares them)."""

from __future__ import annotations

from ocr.extraction import OcrService
from ocr.models import OcrRequest, OcrResult
from shared.worker import Emit, Outcome, TaskContext, TaskSpec

__all__ = ["TASKS", "extract"]


def extract(service: OcrService, request: OcrRequest, ctx: TaskContext) -> Outcome:
    """Text plus per-page lines (boxes, confidence) of an image or PDF given by artifact key or inline base64."""
    result = service.extract(request)
    event = Emit(
        "ocr.extracted",
        {
            "pages": result.page_count,
            "engine": result.engine,
            "language": result.language,
            "characters": len(result.text),
            "artifact_key": request.artifact_key,
        },
    )
    return Outcome(result, events=[event])


TASKS: tuple[TaskSpec[OcrService, OcrRequest], ...] = (
    TaskSpec("ocr.extract", OcrRequest, extract, OcrResult, sensitive=("content_base64",)),
)
