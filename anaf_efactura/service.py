"""``EfacturaService``: validate, file exactly once, follow the state, download and verify (no Celery here).

Submit: build or parse the XML, validate it (XSD + CIUS-RO) before anything else, then under the
invoice's advisory lock: claim the outbox row, commit the intent, POST, record the index. A delivery
that finds the intent without an index (a crash mid-upload) reconciles through the message list: an
unknown ``FACTURA TRIMISA`` whose document is byte-identical to ours is our filing. Only when nothing
turns up after ``reconcile_after_s`` is the XML sent again, and then ANAF's duplicate answer
(``... transmisa anterior cu index=N``) is adopted as the canonical index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from anaf_core.ratelimit import RO_TZ
from lxml import etree

from anaf_core import (
    AnafAuthError,
    AnafProtocolError,
    AnafRateLimitError,
    AnafResponseError,
    AnafRuntime,
    AnafTransportError,
    get_runtime,
    normalize_cui,
    open_signed_zip,
)
from anaf_efactura.client import EfacturaClient, duplicate_of, parse_error_file
from anaf_efactura.config import EfacturaSettings, get_settings
from anaf_efactura.models import SubmissionResult, SubmitRequest
from anaf_efactura.outbox import Outbox, OutboxRow
from anaf_efactura.ubl import build_ubl
from anaf_efactura.validation import UBL_CREDIT_NOTE, InvoiceValidator, parse_untrusted
from shared.artifacts import ArtifactStore, artifact_store
from shared.errors import PayloadError, PermanentError, TransientError
from shared.resources import ProcessResource
from shared.schemas import get_store

__all__ = ["EfacturaService", "Outcome", "Prepared", "get_service", "get_validator"]

log = structlog.get_logger(__name__)
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
Event = tuple[str, dict[str, Any], dict[str, Any] | None]


@dataclass
class Prepared:
    """A validated document ready to file."""

    xml: bytes
    root: etree._Element
    invoice_key: str
    cif: str
    standard: str
    sha256: str
    warnings: list[str] = field(default_factory=list)
    validated_with: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    result: SubmissionResult
    events: list[Event] = field(default_factory=list)


def _xpath_text(root: etree._Element, path: str) -> str | None:
    found = root.find(path, NS)
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def _party_cui(root: etree._Element, party: str) -> str | None:
    for path in (
        f"cac:{party}/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
        f"cac:{party}/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
    ):
        value = _xpath_text(root, path)
        if value:
            try:
                return normalize_cui(value)
            except ValueError:
                continue
    return None


class EfacturaService:
    def __init__(
        self,
        settings: EfacturaSettings,
        runtime: AnafRuntime,
        outbox: Outbox,
        validator: Callable[[], InvoiceValidator],
        artifacts: ArtifactStore,
        *,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.runtime = runtime
        self.outbox = outbox
        self._validator = validator
        self.artifacts = artifacts
        self.client = EfacturaClient(runtime.api_client(runtime.settings.efactura_base_url))
        s = runtime.settings
        self.stare_quota = runtime.quota("efactura-stare", s.stare_daily_cap)
        self.download_quota = runtime.quota("efactura-download", s.download_daily_cap)
        self.list_quota = runtime.quota("efactura-list", s.list_daily_cap)
        self.paged_quota = runtime.quota("efactura-paged-list", s.paged_list_daily_cap)
        self._clock = clock

    # --- preparing -----------------------------------------------------------------------------------
    def prepare(self, request: SubmitRequest) -> Prepared:
        """The XML, validated; ``PayloadError`` (with rule ids) when it would not pass ANAF's checks."""
        if request.invoice is not None:
            xml = build_ubl(request.invoice)
            root = etree.fromstring(xml)
        else:
            if request.xml is not None:
                text = re.sub(r"^\s*<\?xml[^>]*\?>", '<?xml version="1.0" encoding="UTF-8"?>', request.xml, count=1)
                xml = text.encode("utf-8")
            else:
                xml = self.artifacts.get(str(request.xml_artifact))
            root = parse_untrusted(xml)
        report = self._validator().validate(xml, root)
        report.raise_for_errors()
        number, issued = _xpath_text(root, "cbc:ID"), _xpath_text(root, "cbc:IssueDate")
        key = request.invoice_key or f"{number}|{issued}"
        cif = request.cif
        if cif is None:
            cif = _party_cui(root, "AccountingCustomerParty" if request.autofactura else "AccountingSupplierParty")
        if cif is None:
            raise PayloadError(
                "cannot tell the uploading CIF",
                errors=[
                    {"loc": ["cif"], "msg": "give 'cif' (the seller has no Romanian CUI in the XML)", "type": "missing"}
                ],
            )
        return Prepared(
            xml=xml,
            root=root,
            invoice_key=key,
            cif=normalize_cui(cif),
            standard="CN" if root.tag == UBL_CREDIT_NOTE else "UBL",
            sha256=hashlib.sha256(xml).hexdigest(),
            warnings=[f"[{w.rule}] {w.message}" for w in report.warnings],
            validated_with=report.validated_with,
        )

    # --- submit --------------------------------------------------------------------------------------
    def submit(self, request: SubmitRequest) -> Outcome:
        p = self.prepare(request)
        with self.outbox.invoice_lock(p.cif, p.invoice_key):
            row = self.outbox.claim(
                invoice_key=p.invoice_key,
                cif=p.cif,
                xml_sha256=p.sha256,
                standard=p.standard,
                validated_with=p.validated_with,
                b2c=request.b2c,
                flags=request.flags,
            )
            if row.terminal:
                return Outcome(self._result(row, warnings=p.warnings))
            if row.status == "uploaded":
                return Outcome(self._result(row, next_poll_in=self.settings.poll_schedule_s[0], warnings=p.warnings))
            if row.status == "uploading":
                reconciled = self._reconcile(row, p)
                if reconciled is not None:
                    return reconciled
            return self._upload(row, p)

    def _upload(self, row: OutboxRow, p: Prepared) -> Outcome:
        if row.xml_artifact is None:
            ref = self.artifacts.put(p.xml, name=f"efactura-{p.cif}-{row.id}.xml", content_type="application/xml",
                                     kind="efactura-archive")
            row = self.outbox.update(row.id, xml_artifact=ref.key)
        row = self.outbox.mark_intent(row.id)
        try:
            answer = self.client.upload(p.xml, cif=p.cif, standard=p.standard, b2c=row.b2c, flags=row.flags)
        except AnafTransportError as exc:
            if not exc.request_sent:
                self.outbox.update(row.id, status="new")
            raise  # sent but unanswered: the row stays 'uploading' and the retry reconciles
        except (AnafRateLimitError, AnafAuthError) as exc:
            if exc.status_code in (401, 403, 429):  # refused at the gateway: nothing reached e-Factura
                self.outbox.update(row.id, status="new")
                raise
            return self._upload_refused(row, exc, p)
        except AnafResponseError as exc:
            return self._upload_refused(row, exc, p)
        row = self.outbox.update(
            row.id,
            status="uploaded",
            upload_index=answer.index,
            anaf_state="in prelucrare",
            uploaded_at=dt.datetime.now(dt.UTC),
        )
        log.info("efactura uploaded", outbox_id=row.id, upload_index=answer.index, cif=row.cif)
        return Outcome(
            self._result(row, next_poll_in=self.settings.poll_schedule_s[0], warnings=p.warnings),
            [("efactura.submitted", self._event(row), None)],
        )

    def _upload_refused(
        self, row: OutboxRow, exc: AnafResponseError | AnafAuthError | AnafRateLimitError, p: Prepared
    ) -> Outcome:
        messages = exc.messages or [exc.message]
        row = self.outbox.update(row.id, status="upload_rejected", errors=messages, finished_at=dt.datetime.now(dt.UTC))
        log.warning("efactura upload refused", outbox_id=row.id, messages=messages)
        return Outcome(
            self._result(row, warnings=p.warnings),
            [
                (
                    "efactura.rejected",
                    {**self._event(row), "stage": "upload", "errors": messages},
                    {"code": exc.code, "message": exc.message, "messages": messages},
                )
            ],
        )

    # --- reconciliation ------------------------------------------------------------------------------
    def _reconcile(self, row: OutboxRow, p: Prepared) -> Outcome | None:
        """Find the filing of an interrupted upload; None means: upload again (nothing found in time)."""
        intent = (row.intent_at or row.updated_at).timestamp()
        now = self._clock()
        known = self.outbox.known_indexes(row.cif)
        for message in self._messages_since(row.cif, intent - 300):
            if message.get("tip") not in ("FACTURA TRIMISA", "FACTURA PRIMITA"):
                continue
            index, download_id = str(message.get("id_solicitare", "")), str(message.get("id", ""))
            if not index.isdigit() or not download_id.isdigit() or int(index) in known:
                continue
            created = _ro_minutes(str(message.get("data_creare", "")))
            if created is not None and created < intent - 300:
                continue  # older than our attempt: someone else's filing
            archive, signed = self._download(int(download_id))
            if signed.document != p.xml:
                continue
            log.warning("efactura upload reconciled from the message list", outbox_id=row.id, upload_index=index)
            row = self.outbox.update(
                row.id, status="uploaded", upload_index=int(index), uploaded_at=dt.datetime.now(dt.UTC)
            )
            done = self._finish(row, "ok", int(download_id), archive, signed)
            return Outcome(done.result, [("efactura.submitted", self._event(row), None), *done.events])
        waited = now - intent
        if waited < self.settings.reconcile_after_s:
            raise TransientError(
                f"upload outcome unknown after {waited:.0f}s; waiting for it to show in ANAF's message list",
                retry_after=self.settings.reconcile_retry_s,
                code="efactura_outcome_unknown",
            )
        log.warning("efactura upload not found in the message list: sending again", outbox_id=row.id)
        return None

    def _messages_since(self, cif: str, since: float) -> list[dict[str, Any]]:
        days = min(60, max(1, math.ceil((self._clock() - since) / 86400) + 1))
        self.list_quota.consume(cif)
        messages = self.client.messages(cif, days)
        if len(messages) < 500:
            return messages
        start = int(since * 1000)
        end = int((self._clock() - self.settings.list_clock_margin_s) * 1000)
        out: list[dict[str, Any]] = []
        page, pages = 1, 1
        while page <= pages:
            self.paged_quota.consume(cif)
            result = self.client.messages_page(cif, start, end, page)
            out += result.messages
            pages = result.pages
            page += 1
        return out

    # --- polling -------------------------------------------------------------------------------------
    def poll(self, outbox_id: int) -> Outcome:
        row = self.outbox.get(outbox_id)
        if row.terminal or row.status != "uploaded" or row.upload_index is None:
            return Outcome(self._result(row))
        self.stare_quota.consume(str(row.upload_index))
        answer = self.client.stare(row.upload_index)
        polls = row.polls + 1
        if answer.state in ("ok", "nok") and answer.download_id is not None:
            row = self.outbox.update(row.id, polls=polls, anaf_state=answer.state, download_id=answer.download_id)
            archive, signed = self._download(answer.download_id)
            return self._finish(row, answer.state, answer.download_id, archive, signed)
        if answer.state == "in prelucrare":
            row = self.outbox.update(row.id, polls=polls, anaf_state=answer.state)
            if polls >= self.settings.max_polls:
                log.error("efactura polling budget spent", outbox_id=row.id, polls=polls)
                return Outcome(self._result(row))
            schedule = self.settings.poll_schedule_s
            return Outcome(self._result(row, next_poll_in=schedule[min(polls, len(schedule) - 1)]))
        # "XML cu erori nepreluat de sistem": refused at intake, nothing to download
        row = self.outbox.update(
            row.id,
            polls=polls,
            anaf_state=answer.state,
            status="rejected",
            errors=[answer.state],
            finished_at=dt.datetime.now(dt.UTC),
        )
        return Outcome(self._result(row), [self._rejected(row, [answer.state])])

    def _download(self, download_id: int) -> tuple[bytes, Any]:
        self.download_quota.consume(str(download_id))
        archive = self.client.download(download_id)
        signed = open_signed_zip(archive, self.runtime.signing_certificates())
        if not signed.verified:
            raise AnafProtocolError(
                f"descarcare {download_id}: signature check failed (digest {signed.digest_ok}, "
                f"signature {signed.signature_ok})",
                operation="efactura.descarcare",
            )
        if self.settings.require_trusted_signature and not signed.trusted:
            raise PermanentError(
                f"descarcare {download_id}: signed by an unpinned certificate {signed.signer_subject}",
                code="efactura_untrusted_signature",
            )
        return archive, signed

    def _finish(self, row: OutboxRow, state: str, download_id: int, archive: bytes, signed: Any) -> Outcome:
        ref = self.artifacts.put(
            archive, name=f"efactura-{row.upload_index}-{download_id}.zip", content_type="application/zip",
            kind="efactura-archive",
        )
        signature = {
            "digest_ok": signed.digest_ok,
            "signature_ok": signed.signature_ok,
            "trusted": signed.trusted,
            "signer": signed.signer_subject,
            "document": signed.document_name,
        }
        common = {
            "download_id": download_id,
            "zip_artifact": ref.key,
            "zip_sha256": ref.sha256,
            "signature": signature,
            "anaf_state": state,
        }
        if state == "ok":
            row = self.outbox.update(row.id, status="accepted", finished_at=dt.datetime.now(dt.UTC), **common)
            return Outcome(self._result(row), [("efactura.accepted", self._event(row), None)])
        errors = parse_error_file(signed.document) or ["nok without an error file"]
        earlier = duplicate_of(errors)
        if earlier is not None and earlier != row.upload_index:
            log.warning(
                "efactura duplicate: adopting the earlier filing",
                outbox_id=row.id,
                index=earlier,
                duplicate_index=row.upload_index,
            )
            self.outbox.update(
                row.id,
                upload_index=earlier,
                duplicate_index=row.upload_index,
                polls=0,
                anaf_state="in prelucrare",
                errors=errors,
            )
            return self.poll(row.id)
        row = self.outbox.update(
            row.id, status="rejected", errors=errors, finished_at=dt.datetime.now(dt.UTC), **common
        )
        return Outcome(self._result(row), [self._rejected(row, errors)])

    # --- results -------------------------------------------------------------------------------------
    def _rejected(self, row: OutboxRow, errors: list[str]) -> Event:
        return (
            "efactura.rejected",
            {**self._event(row), "stage": "processing", "errors": errors},
            {"code": "anaf_rejected", "message": "ANAF rejected the invoice", "messages": errors},
        )

    @staticmethod
    def _event(row: OutboxRow) -> dict[str, Any]:
        return {
            "outbox_id": row.id,
            "invoice_key": row.invoice_key,
            "cif": row.cif,
            "upload_index": row.upload_index,
            "duplicate_index": row.duplicate_index,
            "xml_sha256": row.xml_sha256,
            "xml_artifact": row.xml_artifact,
            "b2c": row.b2c,
            "flags": row.flags,
            "download_id": row.download_id,
            "zip_artifact": row.zip_artifact,
            "zip_sha256": row.zip_sha256,
            "signature": row.signature,
        }

    def _result(
        self, row: OutboxRow, *, next_poll_in: float | None = None, warnings: list[str] | None = None
    ) -> SubmissionResult:
        link = self.artifacts.link(row.zip_artifact) if row.zip_artifact else None
        return SubmissionResult(
            outbox_id=row.id,
            invoice_key=row.invoice_key,
            cif=row.cif,
            status=row.status,
            upload_index=row.upload_index,
            duplicate_index=row.duplicate_index,
            download_id=row.download_id,
            anaf_state=row.anaf_state,
            xml_sha256=row.xml_sha256,
            xml_artifact=row.xml_artifact,
            zip_artifact=row.zip_artifact,
            zip_sha256=row.zip_sha256,
            signature=row.signature,
            errors=row.errors or [],
            warnings=warnings or [],
            validated_with=row.validated_with or [],
            next_poll_in=next_poll_in,
            uploaded_at=row.uploaded_at,
            finished_at=row.finished_at,
            zip_url=link.url if link else None,
            zip_expires_at=link.expires_at if link else None,
        )


def _ro_minutes(stamp: str) -> float | None:
    try:
        return dt.datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=RO_TZ).timestamp()
    except ValueError:
        return None


def build_validator() -> InvoiceValidator:
    """The validator of the installed (or relocated) artefacts; ``SchemasUnavailable`` when they are unusable."""
    s = get_settings()
    return InvoiceValidator.from_store(get_store(), ubl_dir=s.ubl_dir, cius_ro_xslt=s.cius_ro_xslt)


_validator: ProcessResource[InvoiceValidator] = ProcessResource(build_validator, name="efactura-validator")
_outbox: ProcessResource[Outbox] = ProcessResource(
    lambda: Outbox(get_settings().dsn), close=Outbox.close, name="efactura-outbox"
)
_service: ProcessResource[EfacturaService] = ProcessResource(
    lambda: EfacturaService(get_settings(), get_runtime(), _outbox.get(), _validator.get, artifact_store()),
    name="efactura-service",
)


def get_validator() -> InvoiceValidator:
    """The per-process validator (XSD + compiled CIUS-RO XSLT)."""
    return _validator.get()


def get_service() -> EfacturaService:
    return _service.get()
