"""Tasks of the ``anaf.etransport`` worker: handlers over ``SubmissionService`` (no Celery here).

``etransport.submit`` uploads once and polls briefly; while ANAF is still processing it asks for an
``etransport.poll`` follow-up. The call that settles a verdict announces it, once: ``etransport.uit_issued`` (a
notification or correction that ANAF accepted: the UIT is valid), ``etransport.accepted`` (deletion,
confirmation, vehicle change) or ``etransport.rejected``. ``anaf.etransport.ping`` comes with every worker.
"""

from __future__ import annotations

from typing import Any

from anaf_etransport.models import EtransportPollRequest, EtransportResult, EtransportSubmitRequest
from anaf_etransport.runtime import EtransportServices
from anaf_etransport.submission import Filing
from shared.worker import Emit, FollowUp, Outcome, TaskContext, TaskSpec

__all__ = ["TASKS", "poll", "submit"]

POLL = "etransport.poll"


def verdict_event(result: EtransportResult) -> Emit:
    """The event that announces a settled verdict."""
    data = result.model_dump(mode="json", exclude={"duplicate"})
    if result.state == "nok":
        return Emit("etransport.rejected", data)
    if result.kind in {"notificare", "corectie"}:
        return Emit("etransport.uit_issued", data)
    return Emit("etransport.accepted", data)


def _outcome(services: EtransportServices, filing: Filing, attempt: int) -> Outcome:
    result = filing.result
    outcome = Outcome(result, events=[verdict_event(result)] if filing.settled else [])
    if result.state == "processing":
        delay = services.submission.next_poll_delay(attempt)
        if delay is not None:
            outcome.follow_ups.append(FollowUp(POLL, {"key": result.key, "attempt": attempt + 1}, countdown=delay))
    return outcome


def submit(services: EtransportServices, request: EtransportSubmitRequest, ctx: TaskContext) -> Outcome:
    """Validate, record in the outbox, upload once, poll briefly; a slow verdict is followed by ``etransport.poll``."""
    return _outcome(services, services.submission.submit(request), 0)


def poll(services: EtransportServices, request: EtransportPollRequest, ctx: TaskContext) -> Outcome:
    """One ``stareMesaj`` round for a declaration ANAF is still processing (any replica: the outbox is shared)."""
    return _outcome(services, services.submission.poll(request.key), request.attempt)


TASKS: tuple[TaskSpec[EtransportServices, Any], ...] = (
    TaskSpec("etransport.submit", EtransportSubmitRequest, submit, EtransportResult),
    TaskSpec(POLL, EtransportPollRequest, poll, EtransportResult),
)
