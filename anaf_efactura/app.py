"""Celery app of the `anaf.efactura` worker: `workers-core worker anaf.efactura` or `celery -A anaf_efactura.app worker -Q anaf.efactura`."""

from anaf_efactura.health import DEEP_CHECKS, SCHEMAS
from shared.legacy_app import create_legacy_app

app = create_legacy_app("anaf.efactura", deep_checks=DEEP_CHECKS, schemas=SCHEMAS)

import anaf_efactura.tasks  # noqa: E402,F401  (registers the tasks on app)
