"""Tasks of the ``notify.slack`` worker: a handler over ``NotifySlackServices`` (no Celery here; ``notify_slack.app`` declares it).

Slack's 429 and our channel pace come back as transient errors with a ``retry_after``: the task is retried with
that countdown, never slept on in the worker.
"""

from __future__ import annotations

from notify_slack.models import SlackRequest, SlackResult
from notify_slack.service import NotifySlackServices
from shared.events import event_id_for
from shared.worker import Emit, Outcome, TaskContext, TaskSpec

__all__ = ["TASKS", "notify"]


def notify(services: NotifySlackServices, request: SlackRequest, ctx: TaskContext) -> Outcome:
    """Post one Slack message; ``slack.posted`` whether it went out now or under an earlier attempt.

    An earlier attempt may have died (broker connection lost) after the post but before its event went out, so
    the "duplicate" path publishes it again: the envelope id derives from the idempotency key and the data are
    those of the first post (its ``ts``), so every copy is the same event and consumers dedupe on ``id``.
    """
    result = services.slack.notify(request, default_key=f"task:{ctx.task_id}")
    event = Emit(
        "slack.posted",
        {"mode": result.mode, "channel": result.channel, "ts": result.ts, "idempotency_key": result.idempotency_key},
        id=event_id_for("slack.posted", result.idempotency_key),
    )
    return Outcome(result, events=[event])


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
