"""Events of the ``ocr`` worker (declarations for the AsyncAPI document and the SDKs)."""

from __future__ import annotations

from pydantic import BaseModel

from shared.worker import EventSpec

__all__ = ["EVENTS", "OcrExtracted"]


class OcrExtracted(BaseModel):
    """Text was extracted (a summary: the text itself is in the task result)."""

    pages: int
    engine: str
    language: str
    characters: int
    artifact_key: str | None


EVENTS: tuple[EventSpec, ...] = (EventSpec("ocr.extracted", OcrExtracted, "Text was extracted from an image or PDF."),)
