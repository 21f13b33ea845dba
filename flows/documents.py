"""The invoicing flow's messages to other workers, built from the invoice: PDF, e-mail to the buyer, Slack alert.

Each is a ``send_task`` payload of the receiving worker (``pdf.render``, ``email.send``, ``notify.slack``); the
e-mail and the alert carry an idempotency key of the flow, so a step sent twice delivers once.
"""

from __future__ import annotations

import re
from typing import Any

from flows.models import InvoiceFlowRequest
from flows.terms import InvoiceParty, InvoiceTerms

__all__ = ["alert_request", "email_request", "pdf_filename", "pdf_request"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def pdf_filename(invoice: InvoiceTerms) -> str:
    return f"factura-{_UNSAFE.sub('-', invoice.number).strip('-') or 'x'}.pdf"


def _party(party: InvoiceParty) -> dict[str, Any]:
    address = party.address
    lines = [address.street, address.additional_street, address.city, address.county, address.country]
    data: dict[str, Any] = {
        "name": party.name,
        "cui": party.vat_id or party.legal_id,
        "address": ", ".join(x for x in lines if x),
    }
    if party.legal_id and party.vat_id:
        data["reg_com"] = party.legal_id
    return data


def pdf_request(invoice: InvoiceTerms) -> dict[str, Any]:
    """``pdf.render`` of the ``invoice.html`` template with the invoice's parties and lines."""
    data: dict[str, Any] = {
        "number": invoice.number,
        "issue_date": invoice.issue_date.isoformat(),
        "currency": invoice.currency,
        "supplier": _party(invoice.seller),
        "customer": _party(invoice.buyer),
        "lines": [
            {
                "description": line.name + (f" ({line.description})" if line.description else ""),
                "unit": line.unit_code,
                "quantity": float(line.quantity),
                "unit_price": float(line.unit_price),
                "vat_rate": float(line.vat_rate or 0),
            }
            for line in invoice.lines
        ],
    }
    if invoice.due_date is not None:
        data["due_date"] = invoice.due_date.isoformat()
    if invoice.payment is not None and invoice.payment.iban:
        data["supplier"]["iban"] = invoice.payment.iban
    if invoice.notes:
        data["notes"] = " ".join(invoice.notes)
    return {"template": "invoice.html", "data": data, "filename": pdf_filename(invoice)}


def email_request(
    request: InvoiceFlowRequest, flow_key: str, pdf_artifact: str, zip_artifact: str, upload_index: int | None
) -> dict[str, Any]:
    """``email.send`` to the buyer: the ``invoice_issued`` template, the PDF and ANAF's signed ZIP attached."""
    invoice = request.terms
    name = request.buyer_name or invoice.buyer.name
    due = invoice.due_date.strftime("%d.%m.%Y") if invoice.due_date is not None else "cel din factură"
    return {
        "to": [{"email": str(request.buyer_email), "name": name}],
        "template": "invoice_issued",
        "data": {
            "client_name": name,
            "invoice_number": invoice.number,
            "company": invoice.seller.name,
            "amount": str(invoice.payable()),
            "due_date": due,
            "note": f"factura a fost acceptată de ANAF (index {upload_index})" if upload_index else "",
        },
        "attachments": [
            {"filename": pdf_filename(invoice), "artifact_key": pdf_artifact, "content_type": "application/pdf"},
            {
                "filename": f"anaf-{upload_index or 'semnat'}.zip",
                "artifact_key": zip_artifact,
                "content_type": "application/zip",
            },
        ],
        "headers": {"X-Flow-Key": flow_key},
        "idempotency_key": f"flow-invoice-email:{flow_key}"[:255],
    }


def alert_request(
    request: InvoiceFlowRequest, channel: str, flow_key: str, *, what: str, errors: list[str]
) -> dict[str, Any]:
    """``notify.slack`` to the accounting channel: which invoice, what happened, ANAF's (or the flow's) errors."""
    invoice = request.terms
    listed = "\n".join(f"• {e}" for e in errors[:20]) or "• (no detail)"
    more = f"\n… and {len(errors) - 20} more" if len(errors) > 20 else ""
    text = (
        f"Factura {invoice.number} din {invoice.issue_date.isoformat()} ({invoice.seller.name} -> "
        f"{invoice.buyer.name}): {what}.\n{listed}{more}"
    )
    return {"text": text, "channel": channel, "idempotency_key": f"flow-invoice-alert:{flow_key}"[:255]}
