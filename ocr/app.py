"""Celery app of the `ocr` worker: `workers-core worker ocr` or `celery -A ocr.app worker -Q ocr`."""

from ocr.health import DEEP_CHECKS
from shared.celery_app import create_app

app = create_app("ocr", deep_checks=DEEP_CHECKS)

import ocr.tasks  # noqa: E402,F401  (registers the tasks on app)
