"""Celery app of the `anaf.saft` worker: `workers-core worker anaf.saft` or `celery -A anaf_saft.app worker -Q anaf.saft`."""

from anaf_saft.health import DEEP_CHECKS
from anaf_saft.runtime import SCHEMAS
from shared.legacy_app import create_legacy_app

app = create_legacy_app("anaf.saft", deep_checks=DEEP_CHECKS, schemas=SCHEMAS)

import anaf_saft.tasks  # noqa: E402,F401  (registers the tasks on app)
