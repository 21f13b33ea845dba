"""Celery app of the `anaf.taxpayer` worker: `workers-core worker anaf.taxpayer` or `celery -A anaf_taxpayer.app worker -Q anaf.taxpayer`."""

from anaf_taxpayer.health import DEEP_CHECKS
from shared.legacy_app import create_legacy_app

app = create_legacy_app("anaf.taxpayer", deep_checks=DEEP_CHECKS)

import anaf_taxpayer.tasks  # noqa: E402,F401  (registers the tasks on app)
