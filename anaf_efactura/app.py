"""The ``anaf.efactura`` worker, declared: ``workers-core worker anaf.efactura`` or ``celery -A anaf_efactura.app worker -Q anaf.efactura``."""

from anaf_efactura.config import EfacturaSettings, worker_settings
from anaf_efactura.health import SCHEMAS, deep_checks
from anaf_efactura.services import EfacturaServices, build_services, close_services
from anaf_efactura.tasks import TASKS
from shared.celery_app import create_app
from shared.worker import WorkerSpec

__all__ = ["SPEC", "app"]

SPEC: WorkerSpec[EfacturaSettings, EfacturaServices] = WorkerSpec(
    tag="anaf.efactura",
    settings=worker_settings,
    services=build_services,
    tasks=TASKS,
    close=close_services,
    deep_checks=deep_checks,
    schemas=SCHEMAS,
)
app = create_app(SPEC)
