"""Tasks of the ``notify.slack`` worker: a handler over ``NotifySlackServices`` (no Celery here; ``notify_slack.app`` declares it).

Slack's 429 and our channel pace come back as transient errors with a ``retry_after``: the task is retried with
that countdown, never slept on in the worker.
"""

from __future__ import annotations

from notify_slack.models import SlackRequest, SlackResult
from notify_slack.service import NotifySlackServices
from shared.worker import Emit, Outcome, TaskContext, TaskSpec

__all__ = ["TASKS", "notify"]


def notify(services: NotifySlackServices, request: SlackRequest, ctx: TaskContext) -> Outcome:
    """Post one Slack message; ``slack.posted`` when it went out now (a duplicate publishes nothing)."""
    result = services.slack.notify(request, default_key=f"task:{ctx.task_id}")
    events = []
    if result.status == "sent":
        events.append(
            Emit(
                "slack.posted",
                {
                    "mode": result.mode,
                    "channel": result.channel,
                    "ts": result.ts,
                    "idempotency_key": result.idempotency_key,
                },
            )
        )
    return Outcome(result, events=events)


TASKS: tuple[TaskSpec[NotifySlackServices, SlackRequest], ...] = (
    # track_started=False: a post takes milliseconds; no extra result-backend write per message
    TaskSpec(
        "notify.slack",
        SlackRequest,
        notify,
        SlackResult,
        options={"track_started": False},
        sensitive=("text", "blocks"),
    ),
)
