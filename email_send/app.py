"""Celery app of the `email.send` worker: `workers-core worker email.send` or `celery -A email_send.app worker -Q email.send`."""

from email_send.health import DEEP_CHECKS
from shared.legacy_app import create_legacy_app

app = create_legacy_app("email.send", deep_checks=DEEP_CHECKS)

import email_send.tasks  # noqa: E402,F401  (registers the tasks on app)
