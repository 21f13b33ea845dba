"""``InvoiceFlow``: one Mercantiq invoice from issue to the buyer's inbox, as a durable step machine (no Celery).

    new -> rendering (pdf.render) -> filing (efactura.submit) -> waiting (ANAF) -> mailing (email.send) -> done
                                         \\-> alerting (notify.slack, ANAF's errors) -> rejected
    any step that fails or stalls -> alerting (the flow's error) -> stopped

The flow's row (``flows.store``) is the only state. Each look (``flow.invoice.step``) reads the row, looks at
the running child in the result backend or at the e-Factura row, and in one write moves the row on and names
the next look; it then sends the children and the next look. Children have task ids of the flow, and e-mail and
alert idempotency keys of the flow, so a look repeated after a crash never files, mails or alerts twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flows.children import Child, ChildResults
from flows.config import FlowsSettings
from flows.documents import alert_request, email_request, pdf_request
from flows.filings import Filing
from flows.models import InvoiceFlowRequest, InvoiceFlowResult
from flows.store import TERMINAL, FlowStore
from shared.errors import PermanentError
from shared.outbox import UNSET, OutboxRow
from shared.worker import Emit, FollowUp

__all__ = ["STEP", "InvoiceFlow", "Turn", "flow_key_of"]

STEP = "flow.invoice.step"
_REFUSED = frozenset({"rejected", "upload_rejected"})


@dataclass
class Turn:
    """What one call did: where the flow stands, the events to publish and the tasks to send."""

    result: InvoiceFlowResult
    events: list[Emit] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)


@dataclass
class Move:
    """A look's decision: the next stage, what it learnt, what to send; ``wait``: look again later."""

    state: str
    data: dict[str, Any] = field(default_factory=dict)
    sends: list[FollowUp] = field(default_factory=list)
    events: list[Emit] = field(default_factory=list)
    errors: list[str] | None = None
    wait: bool = False


def flow_key_of(request: InvoiceFlowRequest) -> str:
    invoice = request.terms
    seller = invoice.seller.vat_id or invoice.seller.legal_id or ""
    return request.flow_key or f"{seller}|{invoice.number}|{invoice.issue_date.isoformat()}"


def _sent(follow_ups: list[FollowUp], events: list[Emit]) -> dict[str, Any]:
    return {
        "follow_ups": [
            {"task": f.task, "kwargs": dict(f.kwargs), "countdown": f.countdown, "task_id": f.task_id}
            for f in follow_ups
        ],
        "events": [{"name": e.name, "data": dict(e.data), "error": e.error} for e in events],
    }


def _unsent(sent: dict[str, Any]) -> tuple[list[FollowUp], list[Emit]]:
    follow = [FollowUp(f["task"], f["kwargs"], f["countdown"], f["task_id"]) for f in sent.get("follow_ups", ())]
    return follow, [Emit(e["name"], e["data"], e["error"]) for e in sent.get("events", ())]


class InvoiceFlow:
    def __init__(
        self,
        settings: FlowsSettings,
        store: FlowStore,
        children: ChildResults,
        filings: Callable[[int], Filing],
        *,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.store = store
        self.children = children
        self.filings = filings
        self.clock = clock

    # --- the calls -----------------------------------------------------------------------------------
    def start(
        self, request: InvoiceFlowRequest, *, task_id: str, correlation_id: str | None, redelivered: bool
    ) -> Turn:
        """Open the invoice's flow (or find it) and take its first step; the same key starts nothing new."""
        key = flow_key_of(request)
        data = {"request": request.model_dump(mode="json"), "correlation_id": correlation_id, "uid": uuid.uuid4().hex}
        row, created = self.store.open(key, state="new", subject=request.terms.number, data=data)
        turn = self._look(row.key, task_id, redelivered, first=True)
        turn.result.created = created
        return turn

    def step(self, flow_id: int, *, task_id: str, redelivered: bool) -> Turn:
        row = self.store.by_id(flow_id)
        if row is None:
            raise PermanentError(f"no invoice flow {flow_id}", code="flow_unknown")
        return self._look(row.key, task_id, redelivered, first=False)

    def status(self, key: str) -> InvoiceFlowResult:
        row = self.store.get(key)
        if row is None:
            raise PermanentError(f"no invoice flow {key!r}", code="flow_unknown")
        return self._result(row)

    # --- one look ------------------------------------------------------------------------------------
    def _look(self, key: str, task_id: str, redelivered: bool, *, first: bool) -> Turn:
        row = self.store.hold(key, task_id)
        live = row.data.get("step")
        if row.state in TERMINAL or not (live == task_id or (first and live is None and row.state == "new")):
            self.store.release(key, task_id)
            turn = Turn(self._result(row))
            turn.result.skipped = True
            if redelivered and row.data.get("prev") == task_id:  # it crashed after its write: send it all again
                turn.follow_ups, turn.events = _unsent(row.data.get("sent") or {})
            return turn
        move = self._move(row, InvoiceFlowRequest.model_validate(row.data["request"]))
        watch = int(row.data.get("watch") or 0) + 1 if move.wait else 0
        schedule = self.settings.watch_schedule_s
        countdown = schedule[min(watch, len(schedule) - 1)] if move.wait else schedule[0]
        terminal = move.state in TERMINAL
        next_id = None if terminal else f"flow-{row.data['uid']}-look-{uuid.uuid4().hex[:12]}"
        follow = list(move.sends)
        if next_id is not None:
            follow.append(FollowUp(STEP, {"flow_id": row.id}, countdown=countdown, task_id=next_id))
        data = {**move.data, "step": next_id, "prev": task_id, "sent": _sent(follow, move.events), "watch": watch}
        if not move.wait:
            data["stage_at"] = self.clock()
        errors = move.errors if move.errors is not None else UNSET
        row = self.store.save(key, task_id, state=move.state, data=data, errors=errors, finished=terminal)
        return Turn(self._result(row), move.events, follow)

    def _move(self, row: OutboxRow, request: InvoiceFlowRequest) -> Move:
        if row.state == "new":
            render = FollowUp("pdf.render", pdf_request(request.terms), task_id=self._child(row, "render"))
            return Move("rendering", {"render_task": render.task_id}, [render], [self._event(row, "started")])
        if row.state == "rendering":
            return self._rendered(row, request)
        if row.state == "filing":
            return self._filed(row, request)
        if row.state == "waiting":
            return self._waited(row, request)
        if row.state == "mailing":
            return self._mailed(row, request)
        return self._alerted(row)

    # --- the stages ----------------------------------------------------------------------------------
    def _rendered(self, row: OutboxRow, request: InvoiceFlowRequest) -> Move:
        child = self.children.get(row.data["render_task"])
        if child.status != "ok":
            return self._not_ok(row, request, child, "PDF-ul facturii nu a putut fi generat")
        submit = FollowUp("efactura.submit", {"invoice": request.invoice}, task_id=self._child(row, "submit"))
        return Move("filing", {"pdf_artifact": child.result["key"], "submit_task": submit.task_id}, [submit])

    def _filed(self, row: OutboxRow, request: InvoiceFlowRequest) -> Move:
        child = self.children.get(row.data["submit_task"])
        if child.status != "ok":
            return self._not_ok(row, request, child, "factura nu a putut fi depusă în e-Factura")
        outbox_id = int(child.result["outbox_id"])
        return self._filing_state(row, request, self.filings(outbox_id))

    def _waited(self, row: OutboxRow, request: InvoiceFlowRequest) -> Move:
        filing = self.filings(int(row.data["outbox_id"]))
        if filing.status in ("accepted", *_REFUSED):
            return self._filing_state(row, request, filing)
        if self.clock() - float(row.data["stage_at"]) > self.settings.anaf_timeout_s:
            return self._alert(row, request, "ANAF nu a răspuns în timp util", [f"stare: {filing.anaf_state}"])
        return Move("waiting", wait=True)

    def _filing_state(self, row: OutboxRow, request: InvoiceFlowRequest, filing: Filing) -> Move:
        learnt = {"outbox_id": filing.id, "upload_index": filing.upload_index, "zip_artifact": filing.zip_artifact}
        if filing.status in _REFUSED:
            move = self._alert(row, request, "factura a fost respinsă de ANAF", list(filing.errors), "rejected")
            move.data.update(learnt)
            return move
        if filing.status != "accepted" or filing.zip_artifact is None:
            return Move("waiting", learnt)
        pdf = str(row.data["pdf_artifact"])
        mail = email_request(request, row.key, pdf, filing.zip_artifact, filing.upload_index)
        send = FollowUp("email.send", mail, task_id=self._child(row, "email"))
        return Move("mailing", {**learnt, "email_task": send.task_id}, [send])

    def _mailed(self, row: OutboxRow, request: InvoiceFlowRequest) -> Move:
        child = self.children.get(row.data["email_task"])
        if child.status != "ok":
            return self._not_ok(row, request, child, "factura acceptată nu a putut fi trimisă clientului")
        data = {"email_message_id": child.result.get("message_id")}
        return Move("done", data, events=[self._event(row, "completed", data)])

    def _alerted(self, row: OutboxRow) -> Move:
        child = self.children.get(row.data["alert_task"])
        timed_out = self.clock() - float(row.data["stage_at"]) > self.settings.step_timeout_s
        if child.status == "pending" and not timed_out:
            return Move("alerting", wait=True)
        final = str(row.data.get("final") or "stopped")
        errors = list(row.errors or [])
        if child.status != "ok":
            errors.append(f"alerta Slack nu a fost trimisă: {'; '.join(child.messages) or 'timeout'}")
        error = {"code": f"flow_{final}", "message": str(row.data.get("what")), "messages": errors}
        return Move(final, errors=errors, events=[self._event(row, final, {"errors": errors}, error)])

    # --- helpers -------------------------------------------------------------------------------------
    def _not_ok(self, row: OutboxRow, request: InvoiceFlowRequest, child: Child, what: str) -> Move:
        if child.status == "failed":
            return self._alert(row, request, what, child.messages)
        if self.clock() - float(row.data["stage_at"]) > self.settings.step_timeout_s:
            return self._alert(row, request, f"{what} (pasul nu s-a încheiat)", [f"etapa {row.state}"])
        return Move(row.state, wait=True)

    def _alert(
        self, row: OutboxRow, request: InvoiceFlowRequest, what: str, errors: list[str], final: str = "stopped"
    ) -> Move:
        channel = request.accounting_channel or self.settings.accounting_channel
        message = alert_request(request, channel, row.key, what=what, errors=errors)
        send = FollowUp("notify.slack", message, task_id=self._child(row, "alert"))
        return Move("alerting", {"alert_task": send.task_id, "final": final, "what": what}, [send], errors=errors)

    @staticmethod
    def _child(row: OutboxRow, step: str) -> str:
        return f"flow-{row.data['uid']}-{step}"

    def _event(
        self, row: OutboxRow, name: str, extra: dict[str, Any] | None = None, error: dict[str, Any] | None = None
    ) -> Emit:
        keys = ("pdf_artifact", "outbox_id", "upload_index", "zip_artifact", "email_message_id")
        data = {"flow_id": row.id, "flow_key": row.key, **{k: row.data.get(k) for k in keys}, **(extra or {})}
        return Emit(f"flow.invoice.{name}", data, error)

    @staticmethod
    def _result(row: OutboxRow) -> InvoiceFlowResult:
        return InvoiceFlowResult.of(
            row.data,
            flow_id=row.id,
            flow_key=row.key,
            state=row.state,
            errors=list(row.errors or []),
            started_at=row.created_at,
            finished_at=row.finished_at,
        )
