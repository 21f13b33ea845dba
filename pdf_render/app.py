"""The ``pdf.render`` worker, declared: ``workers-core worker pdf.render`` or ``celery -A pdf_render.app worker -Q pdf.render``."""

from pdf_render.config import PdfRenderSettings
from pdf_render.health import deep_checks
from pdf_render.service import PdfRenderServices, build_services, close_services
from pdf_render.tasks import TASKS
from shared.celery_app import create_app
from shared.worker import WorkerSpec

__all__ = ["SPEC", "app"]

SPEC: WorkerSpec[PdfRenderSettings, PdfRenderServices] = WorkerSpec(
    tag="pdf.render",
    settings=PdfRenderSettings,
    services=build_services,
    tasks=TASKS,
    close=close_services,
    deep_checks=deep_checks,
)
app = create_app(SPEC)
