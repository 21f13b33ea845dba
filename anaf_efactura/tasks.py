"""Tasks of the ``anaf.efactura`` worker: handlers over ``EfacturaService`` (no Celery here; ``app`` declares them).

``efactura.submit`` files an invoice once; ``efactura.poll`` follows its state with countdown follow-ups (never a
sleep) and downloads the signed ZIP. Each follow-up poll gets its task id recorded as the row's only live chain,
so a redelivered or superseded poll steps aside. ``anaf.efactura.ping`` comes with every worker.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

import structlog

from anaf_efactura.models import PollRequest, SubmissionResult, SubmitRequest
from anaf_efactura.service import Filing
from anaf_efactura.services import EfacturaServices
from shared.worker import FollowUp, Outcome, TaskContext, TaskSpec

__all__ = ["POLL", "TASKS", "poll", "submit"]

POLL = "efactura.poll"
log = structlog.get_logger(__name__)


def _outcome(services: EfacturaServices, filing: Filing) -> Outcome:
    """The filing's events (its archive's download link in the result), and the next poll as the row's only chain."""
    filing = services.service.linked(filing)
    result = filing.result
    outcome = Outcome(result, events=list(filing.events))
    if result.next_poll_in is None:
        services.chain.hand_over(result.outbox_id, None)
        return outcome
    task_id = uuid.uuid4().hex
    services.chain.hand_over(result.outbox_id, task_id)
    # whole seconds: RabbitMQ's delayed delivery (quorum queues) refuses fractional countdowns
    countdown = max(1, math.ceil(result.next_poll_in))
    outcome.follow_ups.append(FollowUp(POLL, {"outbox_id": result.outbox_id}, countdown=countdown, task_id=task_id))
    return outcome


def submit(services: EfacturaServices, request: SubmitRequest, ctx: TaskContext) -> Outcome:
    """Validate and file one invoice / credit note with ANAF e-Factura (idempotent per invoice)."""
    return _outcome(services, services.service.submit(request, owner=ctx.task_id))


def poll(services: EfacturaServices, request: PollRequest, ctx: TaskContext) -> Outcome:
    """Ask ``stareMesaj`` once; on ok/nok download + verify + store the ZIP; else schedule the next poll."""
    if not services.chain.may_run(request.outbox_id, ctx.task_id):
        log.info("superseded poll skipped", outbox_id=request.outbox_id)
        return Outcome({"outbox_id": request.outbox_id, "skipped": True})
    return _outcome(services, services.service.poll(request.outbox_id))


TASKS: tuple[TaskSpec[EfacturaServices, Any], ...] = (
    TaskSpec("efactura.submit", SubmitRequest, submit, SubmissionResult),
    TaskSpec(POLL, PollRequest, poll, SubmissionResult),
)
