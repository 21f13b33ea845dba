"""The ``flows`` worker, declared: ``workers-core worker flows`` or ``celery -A flows.app worker -Q flows``."""

from flows.config import FlowsSettings, worker_settings
from flows.health import deep_checks
from flows.services import FlowsServices, build_services, check_store, close_services
from flows.tasks import TASKS
from shared.celery_app import create_app
from shared.worker import WorkerSpec

__all__ = ["SPEC", "app"]

SPEC: WorkerSpec[FlowsSettings, FlowsServices] = WorkerSpec(
    tag="flows",
    settings=worker_settings,
    services=build_services,
    tasks=TASKS,
    close=close_services,
    deep_checks=deep_checks,
    startup=check_store,
)
app = create_app(SPEC)
