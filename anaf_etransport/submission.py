"""``etransport.submit`` / ``etransport.poll`` without Celery: validate, outbox, upload once, poll to a verdict.

Each call returns a ``Filing``: the result and whether this very call settled the verdict (the outbox lets exactly
one process move a declaration to ``ok``/``nok``), so the task announces each verdict once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from lxml import etree

from anaf_etransport.client import EtransportClient, StatusAnswer
from anaf_etransport.config import EtransportSettings
from anaf_etransport.document import NS, build_xml, document_kind
from anaf_etransport.errors import AnafTransportError, IdempotencyConflict
from anaf_etransport.models import Declaration, EtransportResult, EtransportSubmitRequest
from anaf_etransport.outbox import EtransportOutbox, Submission
from anaf_etransport.validation import EtransportValidator, Finding, parse_untrusted
from shared.artifacts import ArtifactStore
from shared.errors import PayloadError, PermanentError, TransientError
from shared.xml import safe_parser

__all__ = ["Filing", "SubmissionService"]

log = structlog.get_logger(__name__)
_KINDS = {"notificare", "stergere", "confirmare", "modifVehicul"}


def _findings_error(findings: list[Finding]) -> PayloadError:
    fatal = [f for f in findings if f.fatal]
    return PayloadError(
        f"e-Transport document refused by {', '.join(sorted({f.source for f in fatal}))} validation; nothing uploaded",
        errors=[{"loc": [f.source, f.rule, f.location], "msg": f.message, "type": f.rule} for f in fatal],
        code="etransport_invalid",
    )


def _kind_of(root: etree._Element) -> str:
    children = [etree.QName(c).localname for c in root if isinstance(c.tag, str)]
    if len(children) != 1 or children[0] not in _KINDS:
        raise PayloadError(
            "eTransport needs exactly one of notificare, stergere, confirmare, modifVehicul",
            errors=[{"loc": ["xml"], "msg": "BT-TY-005", "type": "BT-TY-005"}],
        )
    kind = str(children[0])
    if kind == "notificare" and root[0].find(f"{{{NS}}}corectie") is not None:
        return "corectie"
    return kind


@dataclass(frozen=True)
class Filing:
    """The result of one submit/poll call; ``settled``: this call moved the declaration to its verdict."""

    result: EtransportResult
    settled: bool = False


class SubmissionService:
    """One declaration -> at most one upload, however often the task runs."""

    def __init__(
        self,
        *,
        settings: EtransportSettings,
        outbox: EtransportOutbox,
        client: EtransportClient,
        store: ArtifactStore,
        validator: EtransportValidator,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.outbox = outbox
        self.client = client
        self.store = store
        self.validator = validator
        self.sleep = sleep

    # --- preparation --------------------------------------------------------------------------------
    def prepare(self, req: EtransportSubmitRequest) -> tuple[bytes, str, str, str]:
        """(xml, kind, cif, key), after every check we can run; the document carries a refDeclarant."""
        if req.declaration is not None:
            decl: Declaration = req.declaration
            kind = document_kind(decl)
            base_xml = build_xml(decl)
        else:
            assert req.xml is not None
            raw = req.xml.encode("utf-8")
            tree, findings = parse_untrusted(raw)
            if tree is None:
                raise _findings_error(findings)
            kind = _kind_of(tree.getroot())
            base_xml = raw
        root = etree.fromstring(base_xml, safe_parser())
        declarant = root.get("codDeclarant") or ""
        cif = req.cif or declarant
        if not cif.isdigit():
            raise PayloadError(
                "no CIF to file for", errors=[{"loc": ["cif"], "msg": "numeric CIF required", "type": "missing"}]
            )
        key = req.idempotency_key or "sha256:" + hashlib.sha256(cif.encode() + b"\0" + base_xml).hexdigest()[:40]
        if not root.get("refDeclarant"):
            # a reference unique to this request lets an unknown upload outcome be found in ANAF's list
            root.set("refDeclarant", "WC" + hashlib.sha256(key.encode()).hexdigest()[:30].upper())
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        findings = self.validator.validate(xml)
        if any(f.fatal for f in findings):
            raise _findings_error(findings)
        return xml, kind, cif, key

    # --- flow ----------------------------------------------------------------------------------------
    def submit(self, req: EtransportSubmitRequest) -> Filing:
        settled: list[str] = []
        xml, kind, cif, key = self.prepare(req)
        sha = hashlib.sha256(xml).hexdigest()
        ref = etree.fromstring(xml, safe_parser()).get("refDeclarant")
        existing = self.outbox.get(key)
        artifact = (
            existing.xml_artifact
            if existing
            else self.store.put(xml, name=f"etransport-{kind}.xml", content_type="application/xml").key
        )
        sub, created = self.outbox.get_or_create(Submission(key, cif, kind, sha, ref, artifact, "pending"))
        if sub.xml_sha256 != sha or sub.cif != cif:
            raise IdempotencyConflict(
                "idempotency key already used for a different declaration",
                errors=[{"loc": ["idempotency_key"], "msg": "reused with other content", "type": "conflict"}],
            )
        if not created:
            log.info("etransport submission seen before", key=key, state=sub.state)
        if sub.state in {"ok", "nok"}:
            return Filing(self._result(sub, duplicate=True))
        if sub.state == "uploading":
            sub = self._reconcile(sub, settled)
        if sub.state == "pending":
            sub = self._upload(sub, xml, settled)
        if sub.state == "uploaded":
            sub = self._poll_inline(sub, settled)
        return Filing(self._result(sub, duplicate=not created), bool(settled))

    def poll(self, key: str) -> Filing:
        """One stareMesaj round for a submission that is still being processed."""
        sub = self.outbox.get(key)
        if sub is None:
            raise PermanentError(f"no e-Transport submission {key}", code="etransport_unknown_key")
        settled: list[str] = []
        if sub.state == "uploading":
            sub = self._reconcile(sub, settled)
        if sub.state == "uploaded":
            sub = self._status_once(sub, settled)
        return Filing(self._result(sub), bool(settled))

    def next_poll_delay(self, attempt: int) -> float | None:
        if attempt >= self.settings.max_polls:
            return None
        delays = self.settings.poll_delays
        return float(delays[min(attempt, len(delays) - 1)])

    # --- steps -----------------------------------------------------------------------------------------
    def _upload(self, sub: Submission, xml: bytes, settled: list[str]) -> Submission:
        if not self.outbox.start_upload(sub.key):
            return self.outbox.get(sub.key) or sub  # another delivery took it
        try:
            answer = self.client.upload(sub.cif, xml)
        except AnafTransportError as exc:
            if not exc.request_sent:
                self.outbox.upload_not_sent(sub.key)
            raise
        except PermanentError as exc:  # ANAF refused the upload itself (ExecutionStatus=1, rights, 400)
            msgs = list(getattr(exc, "messages", []) or [exc.message])
            if self.outbox.finish(sub.key, "nok", msgs):
                settled.append(sub.key)
            return self.outbox.get(sub.key) or sub
        self.outbox.uploaded(sub.key, answer.index_incarcare, answer.uit)
        log.info("etransport uploaded", key=sub.key, index=answer.index_incarcare, uit=answer.uit)
        return self.outbox.get(sub.key) or sub

    def _reconcile(self, sub: Submission, settled: list[str]) -> Submission:
        """An upload whose answer was lost: adopt it from ANAF's list, or re-send once the window passed."""
        started = sub.upload_started_at or dt.datetime.now(dt.UTC)
        for msg in self.client.messages(sub.cif, days=2):
            if str(msg.get("ref_decl") or "") != (sub.declarant_ref or "\0"):
                continue
            index = int(msg.get("id_incarcare") or 0)
            state = "ok" if str(msg.get("stare", "")).upper() == "OK" else "nok"
            errors = [
                str(m.get("mesaj")) for m in msg.get("mesaje") or [] if isinstance(m, dict) and m.get("tip") == "ERR"
            ]
            log.warning("etransport upload outcome reconciled from the list", key=sub.key, index=index, state=state)
            if self.outbox.finish(sub.key, state, errors, index=index, uit=str(msg.get("uit") or "") or None):
                settled.append(sub.key)
            return self.outbox.get(sub.key) or sub
        age = (dt.datetime.now(dt.UTC) - started).total_seconds()
        if age < self.settings.reconcile_window_s:
            raise TransientError(
                f"outcome of the upload for {sub.key} unknown; waiting for ANAF's list",
                retry_after=min(30.0, max(5.0, age)),
                code="etransport_outcome_unknown",
            )
        log.warning("etransport upload not found in ANAF's list; sending again", key=sub.key, age=age)
        self.outbox.upload_not_sent(sub.key)
        return self.outbox.get(sub.key) or sub

    def _poll_inline(self, sub: Submission, settled: list[str]) -> Submission:
        for delay in self.settings.inline_poll_delays:
            self.sleep(delay)
            sub = self._status_once(sub, settled)
            if sub.state != "uploaded":
                break
        return sub

    def _status_once(self, sub: Submission, settled: list[str]) -> Submission:
        assert sub.index_incarcare is not None
        answer: StatusAnswer = self.client.status(sub.index_incarcare)
        self.outbox.count_poll(sub.key, sub.polls + 1)
        if answer.final and self.outbox.finish(sub.key, answer.stare, answer.errors):
            settled.append(sub.key)
        return self.outbox.get(sub.key) or sub

    def _result(self, sub: Submission, *, duplicate: bool = False) -> EtransportResult:
        state: Any = sub.state if sub.state in {"ok", "nok"} else "processing"
        return EtransportResult(
            validated_with=self.validator.artefacts,
            key=sub.key,
            cif=sub.cif,
            kind=sub.kind,
            state=state,
            index_incarcare=sub.index_incarcare,
            uit=sub.uit,
            uit_valid=state == "ok" and sub.uit is not None,
            declarant_ref=sub.declarant_ref,
            xml_sha256=sub.xml_sha256,
            xml_artifact=sub.xml_artifact,
            errors=sub.errors,
            duplicate=duplicate,
        )
