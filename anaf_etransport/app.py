"""The ``anaf.etransport`` worker, declared: ``workers-core worker anaf.etransport`` or ``celery -A anaf_etransport.app worker -Q anaf.etransport``."""

from anaf_etransport.config import EtransportSettings
from anaf_etransport.health import deep_checks
from anaf_etransport.runtime import SCHEMAS, EtransportServices, build_services, check_outbox, close_services
from anaf_etransport.tasks import TASKS
from shared.celery_app import create_app
from shared.worker import WorkerSpec

__all__ = ["SPEC", "app"]

SPEC: WorkerSpec[EtransportSettings, EtransportServices] = WorkerSpec(
    tag="anaf.etransport",
    settings=EtransportSettings,
    services=build_services,
    tasks=TASKS,
    close=close_services,
    deep_checks=deep_checks,
    schemas=SCHEMAS,
    startup=check_outbox,
)
app = create_app(SPEC)
