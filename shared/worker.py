"""Declared workers: a ``WorkerSpec`` says everything ``create_app`` needs to assemble one worker.

A worker package declares itself once, in its ``app.py``::

    SPEC = WorkerSpec(
        tag="anaf.etransport",
        settings=EtransportSettings,              # its settings class (env prefix ANAF_ETRANSPORT_)
        services=build_services,                  # settings -> the per-process services (clients, pools)
        tasks=TASKS,                              # TaskSpec(name, payload model, handler, result model)
        deep_checks=deep_checks,                  # settings -> checks for /readyz?deep=true
    )
    app = create_app(SPEC)

A handler is a plain function ``handler(services, payload, ctx) -> Outcome``: no Celery in it. The task that
``create_app`` wraps around it validates the payload (a bad one fails at once, never retried), calls the handler,
publishes the events the outcome carries, sends its follow-up tasks and returns the result as JSON; errors go
through ``WorkerTask``'s taxonomy (transient -> retried, anything else -> failed and dead-lettered).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from shared.health import DeepCheck
from shared.schemas.requirement import SchemaRequirement

__all__ = ["Emit", "EventSpec", "FollowUp", "Outcome", "TaskContext", "TaskSpec", "WorkerSpec"]

S = TypeVar("S")
Svc = TypeVar("Svc")
P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class Emit:
    """A domain event the handler asks to publish (envelope added by the publisher)."""

    name: str
    data: Mapping[str, Any] = field(default_factory=dict)
    error: Mapping[str, Any] | None = None
    #: a stable envelope id (``shared.events.event_id_for``) for an event a redelivery may publish again
    id: str | None = None


@dataclass(frozen=True)
class EventSpec:
    """The declaration of a domain event a worker emits: its name (routing key) and the model of its ``data``.

    Each worker package lists its events in ``<package>.events:EVENTS``; ``workers-core contracts asyncapi``
    documents them (with the envelope) for the ``workers-core.events`` exchange. ``error`` is the model of the
    envelope's ``error`` for events that carry one (``efactura.rejected``).
    """

    name: str
    data: type[BaseModel]
    description: str = ""
    error: type[BaseModel] | None = None


@dataclass(frozen=True)
class FollowUp:
    """A task to send once the handler returned (e.g. the next status poll, never a sleep)."""

    task: str
    kwargs: Mapping[str, Any]
    countdown: float = 0.0
    task_id: str | None = None


@dataclass
class Outcome:
    """What a handler returns: the result (a pydantic model or a JSON dict), events and follow-up tasks."""

    result: BaseModel | Mapping[str, Any]
    events: list[Emit] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        if isinstance(self.result, BaseModel):
            return self.result.model_dump(mode="json")
        return dict(self.result)


@dataclass(frozen=True)
class TaskContext:
    """What a handler may know about the delivery it runs in."""

    task_id: str
    retries: int
    correlation_id: str | None
    #: RabbitMQ delivers this message again (its earlier delivery was never acknowledged: a crash, a lost link)
    redelivered: bool = False


Handler = Callable[[Svc, P, TaskContext], Outcome]


@dataclass(frozen=True)
class TaskSpec(Generic[Svc, P]):
    """One public task: its name (the API), payload model, handler and result model.

    ``options`` are Celery task options (``track_started=False`` for millisecond tasks, ...); ``sensitive``
    names payload fields that must never be stored outside the task (e-mail bodies, tokens, personal data).
    """

    name: str
    payload: type[P]
    handler: Handler[Svc, P]
    result: type[BaseModel] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    sensitive: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class WorkerSpec(Generic[S, Svc]):
    """One worker: tag (its queue), settings, per-process services, tasks, checks, schedules."""

    tag: str
    settings: Callable[[], S]
    services: Callable[[S], Svc]
    tasks: Sequence[TaskSpec[Svc, Any]]
    close: Callable[[Svc], None] | None = None
    deep_checks: Callable[[S], Sequence[DeepCheck]] = lambda _settings: ()
    schemas: SchemaRequirement | None = None
    #: Celery beat entries this worker needs (``workers-core beat`` collects them from every worker)
    schedule: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: checked once in the worker's parent before it consumes (its database, ...): raising refuses the start with
    #: one line (exit 78) outside development
    startup: Callable[[S], None] | None = None

    def task(self, name: str) -> TaskSpec[Svc, Any]:
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(f"worker {self.tag} has no task {name!r}")
