"""The ``reges`` worker, declared: ``workers-core worker reges`` or ``celery -A reges.app worker -Q reges``."""

from reges.config import RegesSettings
from reges.health import deep_checks
from reges.runtime import SCHEMAS, RegesServices, build_services, check_store, close_services
from reges.schedule import BEAT_SCHEDULE
from reges.tasks import TASKS
from shared.celery_app import create_app
from shared.worker import WorkerSpec

__all__ = ["SPEC", "app"]

SPEC: WorkerSpec[RegesSettings, RegesServices] = WorkerSpec(
    tag="reges",
    settings=RegesSettings,
    services=build_services,
    tasks=TASKS,
    close=close_services,
    deep_checks=deep_checks,
    schemas=SCHEMAS,
    schedule=BEAT_SCHEDULE,
    startup=check_store,
)
app = create_app(SPEC)
