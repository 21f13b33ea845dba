"""``EfacturaService``: validate, file exactly once, follow the state, download and verify (no Celery here).

Submit: build or parse the XML, validate it (XSD + CIUS-RO) before anything else, then under the invoice's
outbox lease: commit the intent, POST, record the index. A delivery that finds the intent without an index
(a crash mid-upload) reconciles through the message list (``anaf_efactura.service_reconciliation``); only
when nothing turns up after ``reconcile_after_s`` is the XML sent again, and then ANAF's duplicate answer
(``... transmisa anterior cu index=N``) is adopted as the canonical index. Every call returns a ``Filing``:
the result and the events to publish; the task turns ``next_poll_in`` into the next poll.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from lxml import etree

from anaf_core import (
    AnafAuthError,
    AnafProtocolError,
    AnafRateLimitError,
    AnafResponseError,
    AnafRuntime,
    AnafTransportError,
    SignedZip,
    normalize_cui,
    open_signed_zip,
)
from anaf_efactura.client import EfacturaClient, duplicate_of, parse_error_file
from anaf_efactura.config import EfacturaSettings
from anaf_efactura.models import SubmissionResult, SubmitRequest
from anaf_efactura.outbox import EfacturaOutbox, EfacturaRow
from anaf_efactura.service_reconciliation import Reconciler
from anaf_efactura.service_results import event_data, party_cui, rejected_event, result_of, xpath_text
from anaf_efactura.ubl import build_ubl
from anaf_efactura.validation import UBL_CREDIT_NOTE, InvoiceValidator, parse_untrusted
from shared.artifacts import ArtifactStore
from shared.errors import PayloadError, PermanentError
from shared.worker import Emit

__all__ = ["EfacturaService", "Filing", "Prepared"]

log = structlog.get_logger(__name__)


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
class Filing:
    """Where an invoice stands after one call, and the events that call must publish."""

    result: SubmissionResult
    events: list[Emit] = field(default_factory=list)


class EfacturaService:
    def __init__(
        self,
        settings: EfacturaSettings,
        runtime: AnafRuntime,
        outbox: EfacturaOutbox,
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
        self.reconciler = Reconciler(
            self.client,
            settings,
            runtime.quota("efactura-list", s.list_daily_cap),
            runtime.quota("efactura-paged-list", s.paged_list_daily_cap),
            clock=clock,
        )

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
        number, issued = xpath_text(root, "cbc:ID"), xpath_text(root, "cbc:IssueDate")
        key = request.invoice_key or f"{number}|{issued}"
        cif = request.cif or party_cui(
            root, "AccountingCustomerParty" if request.autofactura else "AccountingSupplierParty"
        )
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
    def submit(self, request: SubmitRequest, *, owner: str | None = None) -> Filing:
        """File once; ``owner`` (the task id) holds the invoice's lease, so only a redelivery may take it back."""
        p = self.prepare(request)
        with self.outbox.claim(
            invoice_key=p.invoice_key,
            cif=p.cif,
            xml_sha256=p.sha256,
            standard=p.standard,
            b2c=request.b2c,
            flags=request.flags,
            validated_with=p.validated_with,
            owner=owner or uuid.uuid4().hex,
        ) as row:
            if row.terminal:
                return Filing(result_of(row, warnings=p.warnings))
            if row.status == "uploaded":
                return Filing(result_of(row, next_poll_in=self.settings.poll_schedule_s[0], warnings=p.warnings))
            if row.status == "uploading":
                found = self.reconciler.find(row, p.xml, self.outbox.known_indexes(row.cif), self._download)
                if found is not None:
                    index, download_id, archive, signed = found
                    log.warning("efactura upload reconciled from the message list", outbox_id=row.id, index=index)
                    row = self.outbox.update(
                        row, status="uploaded", upload_index=index, uploaded_at=dt.datetime.now(dt.UTC)
                    )
                    done = self._finish(row, "ok", download_id, archive, signed)
                    return Filing(done.result, [Emit("efactura.submitted", event_data(row)), *done.events])
            return self._upload(row, p)

    def _upload(self, row: EfacturaRow, p: Prepared) -> Filing:
        if row.xml_artifact is None:
            ref = self.artifacts.put(
                p.xml, name=f"efactura-{p.cif}-{row.id}.xml", content_type="application/xml", kind="efactura-archive"
            )
            row = self.outbox.update(row, xml_artifact=ref.key)
        row = self.outbox.mark_intent(row)
        try:
            answer = self.client.upload(p.xml, cif=p.cif, standard=p.standard, b2c=row.b2c, flags=row.flags)
        except AnafTransportError as exc:
            if not exc.request_sent:
                self.outbox.update(row, status="new")
            raise  # sent but unanswered: the row stays 'uploading' and the retry reconciles
        except (AnafRateLimitError, AnafAuthError) as exc:
            if exc.status_code in (401, 403, 429) or not exc.messages:  # gateway or our limiter: nothing filed
                self.outbox.update(row, status="new")
                raise
            return self._upload_refused(row, exc, p)
        except AnafResponseError as exc:
            return self._upload_refused(row, exc, p)
        except AnafProtocolError:
            raise  # an answer we cannot read: outcome unknown, the retry reconciles
        row = self.outbox.update(
            row,
            status="uploaded",
            upload_index=answer.index,
            anaf_state="in prelucrare",
            uploaded_at=dt.datetime.now(dt.UTC),
        )
        log.info("efactura uploaded", outbox_id=row.id, upload_index=answer.index, cif=row.cif)
        return Filing(
            result_of(row, next_poll_in=self.settings.poll_schedule_s[0], warnings=p.warnings),
            [Emit("efactura.submitted", event_data(row))],
        )

    def _upload_refused(
        self, row: EfacturaRow, exc: AnafResponseError | AnafAuthError | AnafRateLimitError, p: Prepared
    ) -> Filing:
        messages = exc.messages or [exc.message]
        row = self.outbox.update(row, status="upload_rejected", errors=messages, finished=True)
        log.warning("efactura upload refused", outbox_id=row.id, messages=messages)
        error = {"code": exc.code, "message": exc.message, "messages": messages}
        return Filing(
            result_of(row, warnings=p.warnings),
            [Emit("efactura.rejected", {**event_data(row), "stage": "upload", "errors": messages}, error)],
        )

    # --- polling -------------------------------------------------------------------------------------
    def poll(self, outbox_id: int) -> Filing:
        row = self.outbox.get(outbox_id)
        if row.terminal or row.status != "uploaded" or row.upload_index is None:
            return Filing(result_of(row))
        self.stare_quota.consume(str(row.upload_index))
        answer = self.client.stare(row.upload_index)
        polls = row.polls + 1
        if answer.state in ("ok", "nok") and answer.download_id is not None:
            row = self.outbox.update(row, polls=polls, anaf_state=answer.state, download_id=answer.download_id)
            archive, signed = self._download(answer.download_id)
            return self._finish(row, answer.state, answer.download_id, archive, signed)
        if answer.state == "in prelucrare":
            row = self.outbox.update(row, polls=polls, anaf_state=answer.state)
            if polls >= self.settings.max_polls:
                log.error("efactura polling budget spent", outbox_id=row.id, polls=polls)
                return Filing(result_of(row))
            schedule = self.settings.poll_schedule_s
            return Filing(result_of(row, next_poll_in=schedule[min(polls, len(schedule) - 1)]))
        # "XML cu erori nepreluat de sistem": refused at intake, nothing to download
        row = self.outbox.update(
            row, polls=polls, anaf_state=answer.state, status="rejected", errors=[answer.state], finished=True
        )
        return Filing(result_of(row), [rejected_event(row, [answer.state])])

    def _download(self, download_id: int) -> tuple[bytes, SignedZip]:
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

    def _finish(self, row: EfacturaRow, state: str, download_id: int, archive: bytes, signed: SignedZip) -> Filing:
        ref = self.artifacts.put(
            archive,
            name=f"efactura-{row.upload_index}-{download_id}.zip",
            content_type="application/zip",
            kind="efactura-archive",
        )
        signature = {
            "digest_ok": signed.digest_ok,
            "signature_ok": signed.signature_ok,
            "trusted": signed.trusted,
            "signer": signed.signer_subject,
            "document": signed.document_name,
        }
        common: dict[str, Any] = {
            "download_id": download_id,
            "zip_artifact": ref.key,
            "zip_sha256": ref.sha256,
            "signature": signature,
            "anaf_state": state,
        }
        if state == "ok":
            row = self.outbox.update(row, status="accepted", finished=True, **common)
            return Filing(result_of(row), [Emit("efactura.accepted", event_data(row))])
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
                row,
                upload_index=earlier,
                duplicate_index=row.upload_index,
                polls=0,
                anaf_state="in prelucrare",
                errors=errors,
            )
            return self.poll(row.id)
        row = self.outbox.update(row, status="rejected", errors=errors, finished=True, **common)
        return Filing(result_of(row), [rejected_event(row, errors)])
