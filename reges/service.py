"""``reges.submit`` and ``reges.drain`` without Celery: build, validate, persist, send, correlate results.

The service announces nothing itself: ``submit`` says whether its result is a duplicate (a fresh receipt is news),
``drain`` returns a ``Drained`` with one notice per result it persisted; the tasks turn them into events.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import structlog
from lxml import etree

from reges.client import RegesClient
from reges.config import RegesSettings
from reges.errors import RegesProtocolError, RegesTransportError
from reges.message import build_xml, xml_to_json
from reges.models import (
    ENDPOINTS,
    IncomingProposal,
    RegesDrainRequest,
    RegesProposalsRequest,
    RegesProposalsResult,
    RegesSubmitRequest,
    RegesSubmitResult,
)
from reges.schema import RegesSchema
from reges.store import RegesStore
from shared.errors import PayloadError, PermanentError

__all__ = ["Drained", "RegesService", "incoming_proposal"]

log = structlog.get_logger(__name__)


@dataclass
class Drained:
    """What one drain did: the summary (the task's result) and one notice per result persisted, in queue order."""

    results: int = 0
    batches: int = 0
    consumer_id: str = ""
    notices: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"results": self.results, "batches": self.batches, "consumer_id": self.consumer_id}


class RegesService:
    def __init__(self, *, settings: RegesSettings, store: RegesStore, client: RegesClient, schema: RegesSchema):
        self.settings = settings
        self.store = store
        self.client = client
        self.schema = schema

    def render(self, req: RegesSubmitRequest) -> bytes:
        """The message in the requested form, after the XSD check (JSON is checked through its XML twin)."""
        s = self.settings
        assert req.message_id is not None
        root = build_xml(
            req.message,
            req.message_id,
            client_app=s.client_application,
            user=s.user,
            author_id=s.author_id,
            employer_cui=req.employer_cui,
        )
        if errors := self.schema.errors(root):
            raise PayloadError(
                "REGES message is not valid against reges.xsd; nothing sent", errors=errors, code="reges_invalid"
            )
        if req.format == "json":
            return json.dumps(xml_to_json(root), ensure_ascii=False).encode("utf-8")
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    def submit(self, req: RegesSubmitRequest) -> RegesSubmitResult:
        if req.message_id is None:
            raise PayloadError(
                "message_id is required", errors=[{"loc": ["message_id"], "msg": "required", "type": "missing"}]
            )
        kind, op = req.message.type, req.message.operation
        if self.settings.employer_cui and req.employer_cui != self.settings.employer_cui:
            raise PayloadError(
                "these REGES credentials open another employer register",
                errors=[{"loc": ["employer_cui"], "msg": "not this worker's register", "type": "wrong_register"}],
            )
        body = self.render(req)
        existing = self.store.get(req.message_id)
        if existing is not None and existing.response_id:
            return self._result(existing, duplicate=True)
        if existing is None:
            self.store.begin(req.message_id, req.employer_cui, ENDPOINTS[kind][1], op)
        elif existing.state == "failed":
            raise PermanentError(
                f"message {req.message_id} was refused before: {existing.description}", code="reges_refused_before"
            )
        else:  # "sending": a previous attempt died after the POST may have left; REGES keys on MessageId
            log.warning(
                "reges message re-sent with the same MessageId after an unknown outcome", message_id=req.message_id
            )
        try:
            response_id = self.client.submit(kind, body, fmt=req.format)
        except RegesTransportError:
            raise
        except PermanentError as exc:
            said = list(getattr(exc, "messages", []))[1:]  # REGES's own details after the summary line
            self.store.failed_before_receipt(req.message_id, "; ".join([exc.message, *said]))
            raise
        self.store.submitted(req.message_id, response_id)  # persisted before anyone hears of it
        stored = self.store.get(req.message_id)
        assert stored is not None
        return self._result(stored)

    def drain(self, req: RegesDrainRequest) -> Drained:
        """ReadBatch -> persist each result -> CommitReadBatch(exactly what was read), until the queue is empty."""
        out = Drained(consumer_id=self.client.consumer_id)
        for _ in range(req.max_batches):
            items = self.client.read_batch(req.batch)
            if not items:
                break
            for item in items:
                stored = self.store.record_result(item)
                out.notices.append(
                    {
                        "result": item.get("result"),
                        "response_id": item.get("responseId"),
                        "message_id": (item.get("header") or {}).get("messageId"),
                        "state": stored.state if stored else "unknown_submission",
                    }
                )
            self.client.commit_batch(len(items))
            out.results += len(items)
            out.batches += 1
        return out

    def proposals(self, req: RegesProposalsRequest) -> RegesProposalsResult:
        """The incoming proposals of this register (``/api/{Detasare|Mutare}/Propuneri``), peeked or consumed."""
        out: list[IncomingProposal] = []
        committed = 0
        for kind in req.kinds:
            items = self.client.read_proposals(kind, req.batch)
            out.extend(incoming_proposal(kind, item) for item in items)
            if req.commit and items:
                self.client.commit_proposals(kind, len(items))
                committed += len(items)
        return RegesProposalsResult(proposals=out, committed=committed, consumer_id=self.client.consumer_id)

    def _result(self, s: Any, *, duplicate: bool = False) -> RegesSubmitResult:
        return RegesSubmitResult(
            validated_with=self.schema.artefacts,
            message_id=s.message_id,
            response_id=s.response_id or "",
            operation=s.operation,
            employer_cui=s.employer_cui,
            state=s.state,
            duplicate=duplicate,
            result={"code": s.result_code, "ref": s.result_ref, "description": s.description}
            if s.result_code
            else None,
        )


def _date(value: Any, what: str) -> dt.date | None:
    """A REGES ``xs:dateTime`` (``2026-10-01T00:00:00``, possibly with a zone) -> its date; junk is a protocol error."""
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RegesProtocolError(f"incoming proposal: {what} is not a date: {str(value)[:40]!r}") from None


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id", value.get("nume"))
    return None if value is None else str(value)


def incoming_proposal(kind: str, item: dict[str, Any]) -> IncomingProposal:
    """One queue item (the proposal message in JSON form, keys lower-camel) as an ``IncomingProposal``.

    The Postman collection shows the queue calls but no answer; we read the item as the proposal message itself
    (reges.xsd ``PropunereDetasareContract``/``PropunereMutareContract``, ``Referinta`` = the proposal's Ref) and
    keep it whole in ``raw``.
    """
    g = item.get
    return IncomingProposal(
        kind="Detasare" if kind == "Detasare" else "Mutare",
        proposal_ref=_text(g("referinta")),
        operation=_text((g("header") or {}).get("operation")),
        contract_ref=_text(g("referintaContract")),
        move_type=_text(g("tipMutare")),
        legal_basis=_text(g("temeiDetasare")),
        source_employer_cui=_text(g("cuiAngajatorSursa") or g("cUIAngajatorSursa")),
        source_employer_name=_text(g("numeAngajatorSursa")),
        target_employer_cui=_text(g("cuiAngajatorDestinatie") or g("cUIAngajatorDestinatie")),
        target_employer_name=_text(g("numeAngajatorDestinatie")),
        proposal_number=_text(g("numarPropunere")),
        proposal_date=_date(g("dataPropunere"), "DataPropunere"),
        start_date=_date(g("dataInceput"), "DataInceput"),
        end_date=_date(g("dataSfarsit"), "DataSfarsit"),
        state=_text(g("starePropunere") or g("stare")),
        raw=item,
    )
