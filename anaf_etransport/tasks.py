"""Tasks of the ``anaf.etransport`` worker (thin: validate payload -> call the service -> return JSON).

``etransport.submit`` uploads once and polls briefly; while ANAF is still processing it schedules
``etransport.poll`` follow-ups. Final verdicts publish ``etransport.uit_issued`` (a notification or
correction that ANAF accepted: the UIT is valid), ``etransport.accepted`` (deletion, confirmation,
vehicle change) or ``etransport.rejected``.
``anaf.etransport.ping`` is registered by shared.celery_app.create_app for every worker.
"""

from __future__ import annotations

from typing import Any

from anaf_etransport.app import app
from anaf_etransport.models import EtransportPollRequest, EtransportResult, EtransportSubmitRequest
from anaf_etransport.runtime import service
from shared.events import publish_event


def _publish(result: EtransportResult) -> None:
    data = result.model_dump(mode="json", exclude={"duplicate"})
    if result.state == "nok":
        publish_event("etransport.rejected", data)
    elif result.kind in {"notificare", "corectie"}:
        publish_event("etransport.uit_issued", data)
    else:
        publish_event("etransport.accepted", data)


def _follow_up(result: EtransportResult, attempt: int) -> dict[str, Any]:
    if result.state == "processing":
        delay = service(_publish).next_poll_delay(attempt)
        if delay is not None:
            # RabbitMQ native delayed delivery counts whole seconds, at least one
            poll.apply_async(kwargs={"key": result.key, "attempt": attempt + 1}, countdown=max(1, round(delay)))
    return result.model_dump(mode="json")


@app.task(name="etransport.submit", bind=True)  # type: ignore[untyped-decorator]
def submit(self: Any, **kwargs: Any) -> dict[str, Any]:
    req = EtransportSubmitRequest.model_validate(kwargs)
    return _follow_up(service(_publish).submit(req), 0)


@app.task(name="etransport.poll", bind=True)  # type: ignore[untyped-decorator]
def poll(self: Any, **kwargs: Any) -> dict[str, Any]:
    req = EtransportPollRequest.model_validate(kwargs)
    return _follow_up(service(_publish).poll(req.key), req.attempt)
