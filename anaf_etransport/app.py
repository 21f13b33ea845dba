"""Celery app of the `anaf.etransport` worker: `workers-core worker anaf.etransport` or `celery -A anaf_etransport.app worker -Q anaf.etransport`."""

from anaf_etransport.health import DEEP_CHECKS
from anaf_etransport.runtime import SCHEMAS
from shared.legacy_app import create_legacy_app

app = create_legacy_app("anaf.etransport", deep_checks=DEEP_CHECKS, schemas=SCHEMAS)

import anaf_etransport.tasks  # noqa: E402,F401  (registers the tasks on app)
