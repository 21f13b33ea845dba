"""The ``anaf.taxpayer`` worker, declared: ``workers-core worker anaf.taxpayer`` or
``celery -A anaf_taxpayer.app worker -Q anaf.taxpayer``."""

from anaf_taxpayer.config import TaxpayerSettings
from anaf_taxpayer.health import deep_checks
from anaf_taxpayer.service import TaxpayerService, build_service
from anaf_taxpayer.tasks import TASKS
from shared.celery_app import create_app
from shared.worker import WorkerSpec

__all__ = ["SPEC", "app"]

SPEC: WorkerSpec[TaxpayerSettings, TaxpayerService] = WorkerSpec(
    tag="anaf.taxpayer",
    settings=TaxpayerSettings,
    services=build_service,
    tasks=TASKS,
    close=TaxpayerService.close,
    deep_checks=deep_checks,
)
app = create_app(SPEC)
