"""The ``notify.slack`` worker, declared: ``workers-core worker notify.slack`` or ``celery -A notify_slack.app worker -Q notify.slack``."""

from notify_slack.config import NotifySlackSettings
from notify_slack.health import deep_checks
from notify_slack.service import NotifySlackServices, build_services, close_services
from notify_slack.tasks import TASKS
from shared.celery_app import create_app
from shared.worker import WorkerSpec

__all__ = ["SPEC", "app"]

SPEC: WorkerSpec[NotifySlackSettings, NotifySlackServices] = WorkerSpec(
    tag="notify.slack",
    settings=NotifySlackSettings,
    services=build_services,
    tasks=TASKS,
    close=close_services,
    deep_checks=deep_checks,
)
app = create_app(SPEC)
