"""The ``email.send`` worker, declared: ``workers-core worker email.send`` or ``celery -A email_send.app worker -Q email.send``."""

from email_send.config import EmailSendSettings
from email_send.health import deep_checks
from email_send.service import EmailSendServices, build_services, close_services
from email_send.tasks import TASKS
from shared.celery_app import create_app
from shared.worker import WorkerSpec

__all__ = ["SPEC", "app"]

SPEC: WorkerSpec[EmailSendSettings, EmailSendServices] = WorkerSpec(
    tag="email.send",
    settings=EmailSendSettings,
    services=build_services,
    tasks=TASKS,
    close=close_services,
    deep_checks=deep_checks,
)
app = create_app(SPEC)
