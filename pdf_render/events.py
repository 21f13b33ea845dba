"""Events of the ``pdf.render`` worker (declarations for the AsyncAPI document and the SDKs)."""

from __future__ import annotations

from pydantic import BaseModel

from shared.worker import EventSpec

__all__ = ["EVENTS", "PdfRendered"]


class PdfRendered(BaseModel):
    """A PDF was rendered and stored."""

    key: str
    pages: int
    size: int
    sha256: str


EVENTS: tuple[EventSpec, ...] = (
    EventSpec("pdf.rendered", PdfRendered, "A PDF was rendered and stored in the artifact store."),
)
