"""Tasks of the ``flows`` worker: thin wrappers over ``InvoiceFlow`` (no Celery in the flow itself).

``flow.invoice`` starts (or finds) an invoice's flow; ``flow.invoice.step`` is the flow's own next look, sent
with a countdown, never a sleep; ``flow.invoice.status`` answers where a flow stands.
"""

from __future__ import annotations

from typing import Any

from flows.invoice import STEP, Turn
from flows.models import InvoiceFlowRequest, InvoiceFlowResult, InvoiceFlowStatus, InvoiceFlowStep
from flows.services import FlowsServices
from shared.worker import Outcome, TaskContext, TaskSpec

__all__ = ["TASKS", "invoice", "invoice_status", "invoice_step"]


def _outcome(turn: Turn) -> Outcome:
    return Outcome(turn.result, events=turn.events, follow_ups=turn.follow_ups)


def invoice(services: FlowsServices, request: InvoiceFlowRequest, ctx: TaskContext) -> Outcome:
    """Start one invoice's flow: PDF, e-Factura filing, ANAF's answer, e-mail to the buyer or a Slack alert."""
    turn = services.invoice.start(
        request, task_id=ctx.task_id, correlation_id=ctx.correlation_id, redelivered=ctx.redelivered
    )
    return _outcome(turn)


def invoice_step(services: FlowsServices, request: InvoiceFlowStep, ctx: TaskContext) -> Outcome:
    """The flow's next look at its running step (sent by the flow itself)."""
    return _outcome(services.invoice.step(request.flow_id, task_id=ctx.task_id, redelivered=ctx.redelivered))


def invoice_status(services: FlowsServices, request: InvoiceFlowStatus, ctx: TaskContext) -> Outcome:
    """Where an invoice's flow stands (read only)."""
    return Outcome(services.invoice.status(request.flow_key))


TASKS: tuple[TaskSpec[FlowsServices, Any], ...] = (
    TaskSpec("flow.invoice", InvoiceFlowRequest, invoice, InvoiceFlowResult),
    TaskSpec(STEP, InvoiceFlowStep, invoice_step, InvoiceFlowResult),
    TaskSpec("flow.invoice.status", InvoiceFlowStatus, invoice_status, InvoiceFlowResult, {"track_started": False}),
)
