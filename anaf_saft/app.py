"""The ``anaf.saft`` worker, declared: ``workers-core worker anaf.saft`` or
``celery -A anaf_saft.app worker -Q anaf.saft``."""

from anaf_saft.config import SaftSettings
from anaf_saft.health import deep_checks
from anaf_saft.runtime import SCHEMAS, build_service
from anaf_saft.service import SaftGenerator
from anaf_saft.tasks import TASKS
from shared.celery_app import create_app
from shared.worker import WorkerSpec

__all__ = ["SPEC", "app"]

SPEC: WorkerSpec[SaftSettings, SaftGenerator] = WorkerSpec(
    tag="anaf.saft",
    settings=SaftSettings,
    services=build_service,
    tasks=TASKS,
    close=SaftGenerator.close,
    deep_checks=deep_checks,
    schemas=SCHEMAS,
)
app = create_app(SPEC)
