"""Celery app of the `pdf.render` worker: `workers-core worker pdf.render` or `celery -A pdf_render.app worker -Q pdf.render`."""

from pdf_render.health import DEEP_CHECKS
from shared.legacy_app import create_legacy_app

app = create_legacy_app("pdf.render", deep_checks=DEEP_CHECKS)

import pdf_render.tasks  # noqa: E402,F401  (registers the tasks on app)
