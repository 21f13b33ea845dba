"""Celery app of the `reges` worker: `workers-core worker reges` or `celery -A reges.app worker -Q reges`."""

from reges.health import DEEP_CHECKS
from reges.runtime import SCHEMAS
from shared.legacy_app import create_legacy_app

app = create_legacy_app("reges", deep_checks=DEEP_CHECKS, schemas=SCHEMAS)

import reges.tasks  # noqa: E402,F401  (registers the tasks on app)
