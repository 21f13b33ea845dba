"""The ``ocr`` worker, declared: ``workers-core worker ocr`` or ``celery -A ocr.app worker -Q ocr``."""

from ocr.config import OcrSettings
from ocr.extraction import OcrService, build_service
from ocr.health import deep_checks
from ocr.tasks import TASKS
from shared.celery_app import create_app
from shared.worker import WorkerSpec

__all__ = ["SPEC", "app"]

SPEC: WorkerSpec[OcrSettings, OcrService] = WorkerSpec(
    tag="ocr", settings=OcrSettings, services=build_service, tasks=TASKS, deep_checks=deep_checks
)
app = create_app(SPEC)
