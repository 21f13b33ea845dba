"""Tasks of the `notify.slack` worker (thin: validate payload -> call the service -> return JSON).

`notify.slack.ping` is registered by shared.celery_app.create_app for every worker.
"""

from __future__ import annotations

from typing import Any

from notify_slack.app import app
from notify_slack.models import SlackRequest
from notify_slack.service import get_slack_service


# track_started=False: a post takes milliseconds; no extra result-backend write per message
@app.task(name="notify.slack", bind=True, track_started=False)  # type: ignore[untyped-decorator]
def notify(self: Any, **kwargs: Any) -> dict[str, Any]:
    """Post one Slack message; Slack's 429 and our channel pace come back as retries with a countdown."""
    request = SlackRequest.model_validate(kwargs)
    result = get_slack_service().notify(request, default_key=f"task:{self.request.id}")
    return result.model_dump(mode="json")
