"""Tasks of the ``pdf.render`` worker: a handler over ``PdfRenderServices`` (no Celery here; ``pdf_render.app`` declares it)."""

from __future__ import annotations

from pdf_render.models import RenderRequest, RenderResult
from pdf_render.service import PdfRenderServices
from shared.worker import Emit, Outcome, TaskContext, TaskSpec

__all__ = ["TASKS", "render"]


def render(services: PdfRenderServices, request: RenderRequest, ctx: TaskContext) -> Outcome:
    """Render HTML / a named template / an allowlisted URL to PDF; the result holds the artifact key."""
    result = services.pdf.render(request)
    event = Emit(
        "pdf.rendered", {"key": result.key, "pages": result.pages, "size": result.size, "sha256": result.sha256}
    )
    return Outcome(result, events=[event])


TASKS: tuple[TaskSpec[PdfRenderServices, RenderRequest], ...] = (
    TaskSpec("pdf.render", RenderRequest, render, RenderResult, sensitive=("html", "data")),
)
