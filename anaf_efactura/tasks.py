"""Tasks of the `anaf.efactura` worker (thin: validate payload -> call the service -> return JSON).

``efactura.submit`` files an invoice once; ``efactura.poll`` follows its state with countdown follow-ups
(never a sleep) and downloads the signed ZIP. `anaf.efactura.ping` comes from ``create_app``.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

import structlog

from anaf_core import get_runtime
from anaf_efactura.app import app
from anaf_efactura.chain import PollChain
from anaf_efactura.models import PollRequest, SubmitRequest
from anaf_efactura.service import Outcome, get_service
from shared.events import publish_event

__all__ = ["poll", "submit"]

log = structlog.get_logger(__name__)


def _chain() -> PollChain:
    runtime = get_runtime()
    return PollChain(runtime.redis_client, runtime.settings.redis_namespace)


def _follow_up(outcome: Outcome) -> None:
    """Publish the outcome's events and schedule the next poll (if any) as the row's only live chain."""
    for name, data, error in outcome.events:
        publish_event(name, data, error=error)
    result = outcome.result
    if result.next_poll_in is None:
        _chain().hand_over(result.outbox_id, None)
        return
    task_id = uuid.uuid4().hex
    _chain().hand_over(result.outbox_id, task_id)
    # whole seconds: RabbitMQ's delayed delivery (quorum queues) refuses fractional countdowns
    countdown = max(1, math.ceil(result.next_poll_in))
    poll.apply_async(kwargs={"outbox_id": result.outbox_id}, countdown=countdown, task_id=task_id)


@app.task(name="efactura.submit", bind=True)  # type: ignore[untyped-decorator]
def submit(self: Any, **kwargs: Any) -> dict[str, Any]:
    """Validate and file one invoice / credit note with ANAF e-Factura (idempotent per invoice)."""
    request = SubmitRequest.model_validate(kwargs)
    outcome = get_service().submit(request)
    _follow_up(outcome)
    return outcome.result.model_dump(mode="json")


@app.task(name="efactura.poll", bind=True)  # type: ignore[untyped-decorator]
def poll(self: Any, **kwargs: Any) -> dict[str, Any]:
    """Ask ``stareMesaj`` once; on ok/nok download + verify + store the ZIP; else schedule the next poll."""
    request = PollRequest.model_validate(kwargs)
    if not _chain().may_run(request.outbox_id, self.request.id):
        log.info("superseded poll skipped", outbox_id=request.outbox_id)
        return {"outbox_id": request.outbox_id, "skipped": True}
    outcome = get_service().poll(request.outbox_id)
    _follow_up(outcome)
    return outcome.result.model_dump(mode="json")
