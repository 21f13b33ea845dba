"""Tasks of the ``reges`` worker: handlers over ``RegesService`` (no Celery here; ``reges.app`` declares them).

``reges.submit`` persists MessageId <-> ResponseId before returning and announces ``reges.submitted`` (not for a
duplicate); ``reges.drain`` (beat, see ``reges.schedule``) reads the result queue, persists, commits, and announces
``reges.result`` per result; ``reges.proposals`` lists the incoming secondment/transfer proposals of the register
(``/api/{Detasare|Mutare}/Propuneri``), which are then accepted/refused through ``reges.submit``. ``reges.ping``
comes with every worker.
"""

from __future__ import annotations

import uuid
from typing import Any

from reges.models import (
    RegesDrainRequest,
    RegesProposalsRequest,
    RegesProposalsResult,
    RegesSubmitRequest,
    RegesSubmitResult,
)
from reges.runtime import RegesServices
from shared.worker import Emit, Outcome, TaskContext, TaskSpec

__all__ = ["TASKS", "drain", "proposals", "submit"]


def submit(services: RegesServices, request: RegesSubmitRequest, ctx: TaskContext) -> Outcome:
    """Validate against reges.xsd, persist, send once; the receipt (ResponseId) is stored before it is returned."""
    if request.message_id is None:
        # one task = one REGES message: retries and redeliveries keep the task id, hence the MessageId
        message_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"workers-core:reges:{ctx.task_id}"))
        request = request.model_copy(update={"message_id": message_id})
    result = services.service.submit(request)
    events = (
        [] if result.duplicate else [Emit("reges.submitted", result.model_dump(mode="json", exclude={"duplicate"}))]
    )
    return Outcome(result, events=events)


def drain(services: RegesServices, request: RegesDrainRequest, ctx: TaskContext) -> Outcome:
    """Read the result queue, persist each result, commit exactly what was read; one ``reges.result`` per result."""
    drained = services.service.drain(request)
    return Outcome(drained.summary(), events=[Emit("reges.result", notice) for notice in drained.notices])


def proposals(services: RegesServices, request: RegesProposalsRequest, ctx: TaskContext) -> Outcome:
    """The incoming secondment/transfer proposals of this register, peeked (or consumed with ``commit``)."""
    return Outcome(services.service.proposals(request))


TASKS: tuple[TaskSpec[RegesServices, Any], ...] = (
    TaskSpec("reges.submit", RegesSubmitRequest, submit, RegesSubmitResult),
    TaskSpec("reges.drain", RegesDrainRequest, drain),
    TaskSpec("reges.proposals", RegesProposalsRequest, proposals, RegesProposalsResult),
)
