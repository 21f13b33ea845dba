"""Tasks of the ``reges`` worker (thin: validate payload -> call the service -> return JSON).

``reges.submit`` persists MessageId <-> ResponseId before returning and publishes ``reges.submitted``;
``reges.drain`` (beat, see ``reges.schedule``) reads the result queue, persists, commits, and publishes
``reges.result`` per result; ``reges.proposals`` lists the incoming secondment/transfer proposals of the register
(``/api/{Detasare|Mutare}/Propuneri``), which are then accepted/refused through ``reges.submit``. ``reges.ping`` is registered by shared.celery_app.create_app.
"""

from __future__ import annotations

import uuid
from typing import Any

from reges.app import app
from reges.models import RegesDrainRequest, RegesProposalsRequest, RegesSubmitRequest, RegesSubmitResult
from reges.runtime import service
from shared.events import publish_event


def _submitted(result: RegesSubmitResult) -> None:
    publish_event("reges.submitted", result.model_dump(mode="json", exclude={"duplicate"}))


def _result(data: dict[str, Any]) -> None:
    publish_event("reges.result", data)


@app.task(name="reges.submit", bind=True)  # type: ignore[untyped-decorator]
def submit(self: Any, **kwargs: Any) -> dict[str, Any]:
    # one task = one REGES message: retries and redeliveries keep the task id, hence the MessageId
    kwargs.setdefault("message_id", str(uuid.uuid5(uuid.NAMESPACE_URL, f"workers-core:reges:{self.request.id}")))
    req = RegesSubmitRequest.model_validate(kwargs)
    return service(_submitted, _result).submit(req).model_dump(mode="json")


@app.task(name="reges.drain", bind=True)  # type: ignore[untyped-decorator]
def drain(self: Any, **kwargs: Any) -> dict[str, Any]:
    req = RegesDrainRequest.model_validate(kwargs)
    return service(_submitted, _result).drain(req)


@app.task(name="reges.proposals", bind=True)  # type: ignore[untyped-decorator]
def proposals(self: Any, **kwargs: Any) -> dict[str, Any]:
    req = RegesProposalsRequest.model_validate(kwargs)
    return service(_submitted, _result).proposals(req).model_dump(mode="json")
