"""What ``EfacturaService`` reports: the task result and event payloads of an outbox row, and the UBL lookups."""

from __future__ import annotations

from typing import Any

from lxml import etree

from anaf_core import normalize_cui
from anaf_efactura.models import SubmissionResult
from anaf_efactura.outbox import EfacturaRow
from shared.worker import Emit

__all__ = ["event_data", "party_cui", "rejected_event", "result_of", "xpath_text"]

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}


def xpath_text(root: etree._Element, path: str) -> str | None:
    found = root.find(path, NS)
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def party_cui(root: etree._Element, party: str) -> str | None:
    """The Romanian CUI of ``party`` (tax scheme first, then legal entity), normalised; None if it has none."""
    for path in (
        f"cac:{party}/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
        f"cac:{party}/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
    ):
        value = xpath_text(root, path)
        if value:
            try:
                return normalize_cui(value)
            except ValueError:
                continue
    return None


def event_data(row: EfacturaRow) -> dict[str, Any]:
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


def rejected_event(row: EfacturaRow, errors: list[str]) -> Emit:
    return Emit(
        "efactura.rejected",
        {**event_data(row), "stage": "processing", "errors": errors},
        {"code": "anaf_rejected", "message": "ANAF rejected the invoice", "messages": errors},
    )


def result_of(
    row: EfacturaRow, *, next_poll_in: float | None = None, warnings: list[str] | None = None
) -> SubmissionResult:
    return SubmissionResult(
        outbox_id=row.id,
        invoice_key=row.invoice_key,
        cif=row.cif,
        status=row.status,  # the outbox only holds the states of ``Status``
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
    )
