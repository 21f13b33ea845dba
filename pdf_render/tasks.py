"""Tasks of the `pdf.render` worker (thin: validate payload -> call the service -> return JSON).

`pdf.render.ping` is registered by shared.celery_app.create_app for every worker.
"""

from __future__ import annotations

from typing import Any

from pdf_render.app import app
from pdf_render.models import RenderRequest
from pdf_render.service import get_pdf_service
from shared.events import publish_event


@app.task(name="pdf.render", bind=True)  # type: ignore[untyped-decorator]
def render(self: Any, **kwargs: Any) -> dict[str, Any]:
    """Render HTML / a named template / an allowlisted URL to PDF; the result holds the artifact key."""
    request = RenderRequest.model_validate(kwargs)
    result = get_pdf_service().render(request)
    publish_event("pdf.rendered", {"key": result.key, "pages": result.pages, "size": result.size,
                                   "sha256": result.sha256})
    return result.model_dump(mode="json")
