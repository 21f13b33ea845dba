"""Celery app of the `notify.slack` worker: `workers-core worker notify.slack` or `celery -A notify_slack.app worker -Q notify.slack`."""

from notify_slack.health import DEEP_CHECKS
from shared.legacy_app import create_legacy_app

app = create_legacy_app("notify.slack", deep_checks=DEEP_CHECKS)

import notify_slack.tasks  # noqa: E402,F401  (registers the tasks on app)
