"""The EN 16931 semantic model (every BT and BG) against the invoice payload: supported or not, and why.

``TERMS`` is the table; ``render()`` makes the Markdown published in ``anaf_efactura/README.md``
(``python -m anaf_efactura.coverage`` rewrites it there). ``tests/anaf_efactura/test_coverage.py`` checks
that every term is listed once, that every path named exists in the invoice JSON Schema, and that every
field of the JSON Schema stands for a term (or is one of ``EXTENSIONS``).

Paths: dotted properties, ``[]`` for the items of a list, ``*`` for the values of a mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["EXTENSIONS", "README", "TERMS", "Term", "render", "write_readme"]

Status = Literal["supported", "computed", "fixed", "not supported"]
README = Path(__file__).resolve().parent / "README.md"
START, END = "<!-- coverage:start -->", "<!-- coverage:end -->"


@dataclass(frozen=True)
class Term:
    id: str
    name: str
    status: Status
    paths: tuple[str, ...] = ()
    note: str = ""


def _t(id_: str, name: str, paths: str = "", note: str = "", status: Status | None = None) -> Term:
    given = tuple(paths.split())
    return Term(id_, name, status or ("supported" if given else "not supported"), given, note)


_LATER = "not modelled yet: optional in EN 16931 and CIUS-RO, no consumer asked for it"
_PARTY = "not modelled yet: optional party, CIUS-RO checks its address like the seller's (BR-RO-140..172)"
_CALC = "computed from the lines and document allowances/charges (anaf_efactura.totals)"
_LINE_AC = "not modelled: give the net price (BT-146) and document-level allowances/charges instead"

#: payload fields that are not EN 16931 terms, and why they exist
EXTENSIONS: dict[str, str] = {
    "lines[].vat_exception": "names an allowed exception to the Romanian rate table (anaf_core.vat)",
    "allowances_charges[].vat_exception": "names an allowed exception to the Romanian rate table (anaf_core.vat)",
    "allowances_charges[].charge": "tells a charge (BG-21) from an allowance (BG-20)",
    "tax_exchange_rate": "the rate to RON used for BT-111 and written in a note (BT-22)",
    "exchange_rate_note": "turns off the exchange rate note (BT-22)",
    "document_type": "Invoice or CreditNote UBL document (with BT-3)",
    "buyer.legal_form": "the party model is shared; refused for the buyer (no EN 16931 term, UBL-CR-243)",
}

TERMS: tuple[Term, ...] = (
    _t("BT-1", "Invoice number", "number", "must contain a digit (BR-RO-010)"),
    _t("BT-2", "Invoice issue date", "issue_date"),
    _t("BT-3", "Invoice type code", "type_code document_type", "380, 384, 389, 751; 381 for credit notes (BR-RO-020)"),
    _t("BT-5", "Invoice currency code", "currency"),
    _t(
        "BT-6",
        "VAT accounting currency code",
        "currency",
        "RON whenever the invoice currency is not (BR-RO-030)",
        "fixed",
    ),
    _t("BT-7", "Value added tax point date", "tax_point_date", "the date whose VAT rates apply"),
    _t("BT-8", "Value added tax point date code", "vat_point_code", "3, 35 or 432 (BR-RO-040)"),
    _t("BT-9", "Payment due date", "due_date", "credit notes: carried with the payment means"),
    _t("BT-10", "Buyer reference", "buyer_reference"),
    _t("BT-11", "Project reference", "", _LATER),
    _t("BT-12", "Contract reference", "contract_reference"),
    _t("BT-13", "Purchase order reference", "order_reference"),
    _t("BT-14", "Sales order reference", "", _LATER),
    _t("BT-15", "Receiving advice reference", "", _LATER),
    _t("BT-16", "Despatch advice reference", "", _LATER),
    _t("BT-17", "Tender or lot reference", "", _LATER),
    _t("BT-18", "Invoiced object identifier", "", _LATER),
    _t("BT-19", "Buyer accounting reference", "", _LATER),
    _t("BT-20", "Payment terms", "payment_terms"),
    _t("BT-21", "Invoice note subject code", "", _LATER),
    _t(
        "BT-22",
        "Invoice note",
        "notes[] exchange_rate_note",
        "at most 20 (BR-RO-A020), the exchange rate note included",
    ),
    _t("BT-23", "Business process type", "", "not used by RO e-Factura"),
    _t("BT-24", "Specification identifier", "", "the CIUS-RO customization id (BR-RO-001)", "fixed"),
    _t("BT-25", "Preceding invoice reference", "preceding_invoices[].number"),
    _t("BT-26", "Preceding invoice issue date", "preceding_invoices[].issue_date"),
    _t("BT-27", "Seller name", "seller.name"),
    _t("BT-28", "Seller trading name", "seller.trading_name"),
    _t("BT-29", "Seller identifier", "", _LATER),
    _t("BT-30", "Seller legal registration identifier", "seller.legal_id", "CUI check digit when written as a CUI"),
    _t("BT-31", "Seller VAT identifier", "seller.vat_id", "RO + CUI, check digit verified on every path"),
    _t("BT-32", "Seller tax registration identifier", "", "not modelled: non-VAT-registered sellers give legal_id"),
    _t("BT-33", "Seller additional legal information", "seller.legal_form"),
    _t("BT-34", "Seller electronic address", "", _LATER),
    _t("BT-35", "Seller address line 1", "seller.address.street"),
    _t("BT-36", "Seller address line 2", "seller.address.additional_street"),
    _t("BT-162", "Seller address line 3", "", _LATER),
    _t("BT-37", "Seller city", "seller.address.city", "SECTOR1..6 in Bucharest (BR-RO-100)"),
    _t("BT-38", "Seller post code", "seller.address.postal_code"),
    _t("BT-39", "Seller country subdivision", "seller.address.county", "ISO 3166-2:RO in Romania (BR-RO-110)"),
    _t("BT-40", "Seller country code", "seller.address.country"),
    _t("BT-41", "Seller contact point", "seller.contact.name"),
    _t("BT-42", "Seller contact telephone number", "seller.contact.phone"),
    _t("BT-43", "Seller contact email address", "seller.contact.email"),
    _t("BT-44", "Buyer name", "buyer.name"),
    _t("BT-45", "Buyer trading name", "buyer.trading_name"),
    _t("BT-46", "Buyer identifier", "", _LATER),
    _t("BT-47", "Buyer legal registration identifier", "buyer.legal_id", "CUI check digit for Romanian buyers"),
    _t("BT-48", "Buyer VAT identifier", "buyer.vat_id", "RO + CUI, check digit verified on every path"),
    _t("BT-49", "Buyer electronic address", "", _LATER),
    _t("BT-50", "Buyer address line 1", "buyer.address.street"),
    _t("BT-51", "Buyer address line 2", "buyer.address.additional_street"),
    _t("BT-163", "Buyer address line 3", "", _LATER),
    _t("BT-52", "Buyer city", "buyer.address.city"),
    _t("BT-53", "Buyer post code", "buyer.address.postal_code"),
    _t("BT-54", "Buyer country subdivision", "buyer.address.county"),
    _t("BT-55", "Buyer country code", "buyer.address.country", "outside RO: upload with extern=DA"),
    _t("BT-56", "Buyer contact point", "buyer.contact.name"),
    _t("BT-57", "Buyer contact telephone number", "buyer.contact.phone"),
    _t("BT-58", "Buyer contact email address", "buyer.contact.email"),
    _t("BT-59", "Payee name", "", _PARTY),
    _t("BT-60", "Payee identifier", "", _PARTY),
    _t("BT-61", "Payee legal registration identifier", "", _PARTY),
    _t("BT-62", "Seller tax representative name", "", _PARTY),
    _t("BT-63", "Seller tax representative VAT identifier", "", _PARTY + "; a RO id in raw XML is CUI-checked"),
    _t("BT-64", "Tax representative address line 1", "", _PARTY),
    _t("BT-65", "Tax representative address line 2", "", _PARTY),
    _t("BT-164", "Tax representative address line 3", "", _PARTY),
    _t("BT-66", "Tax representative city", "", _PARTY),
    _t("BT-67", "Tax representative post code", "", _PARTY),
    _t("BT-68", "Tax representative country subdivision", "", _PARTY),
    _t("BT-69", "Tax representative country code", "", _PARTY),
    _t("BT-70", "Deliver to party name", "delivery.party_name"),
    _t("BT-71", "Deliver to location identifier", "", _LATER),
    _t("BT-72", "Actual delivery date", "delivery.date"),
    _t("BT-73", "Invoicing period start date", "period_start"),
    _t("BT-74", "Invoicing period end date", "period_end"),
    _t("BT-75", "Deliver to address line 1", "delivery.address.street"),
    _t("BT-76", "Deliver to address line 2", "delivery.address.additional_street"),
    _t("BT-165", "Deliver to address line 3", "", _LATER),
    _t("BT-77", "Deliver to city", "delivery.address.city"),
    _t("BT-78", "Deliver to post code", "delivery.address.postal_code"),
    _t("BT-79", "Deliver to country subdivision", "delivery.address.county"),
    _t(
        "BT-80",
        "Deliver to country code",
        "delivery.address.country delivery.country",
        "never alone: CIUS-RO needs street, city, subdivision (BR-RO-180/201/211)",
    ),
    _t("BT-81", "Payment means type code", "payment.means_code", "the caller's code; never invented"),
    _t("BT-82", "Payment means text", "", _LATER),
    _t("BT-83", "Remittance information", "payment.payment_id"),
    _t("BT-84", "Payment account identifier", "payment.iban", "required for 30/58 (BR-61)"),
    _t("BT-85", "Payment account name", "payment.account_name"),
    _t("BT-86", "Payment service provider identifier", "", _LATER),
    _t("BT-87", "Payment card primary account number", "", _LATER),
    _t("BT-88", "Payment card holder name", "", _LATER),
    _t("BT-89", "Mandate reference identifier", "", _LATER),
    _t("BT-90", "Bank assigned creditor identifier", "", _LATER),
    _t("BT-91", "Debited account identifier", "", _LATER),
    _t("BT-92", "Document level allowance amount", "allowances_charges[].amount"),
    _t("BT-93", "Document level allowance base amount", "allowances_charges[].base_amount"),
    _t("BT-94", "Document level allowance percentage", "allowances_charges[].percentage"),
    _t("BT-95", "Document level allowance VAT category code", "allowances_charges[].vat_category"),
    _t("BT-96", "Document level allowance VAT rate", "allowances_charges[].vat_rate", "checked against the law"),
    _t("BT-97", "Document level allowance reason", "allowances_charges[].reason"),
    _t("BT-98", "Document level allowance reason code", "allowances_charges[].reason_code", "UNTDID 5189"),
    _t("BT-99", "Document level charge amount", "allowances_charges[].amount"),
    _t("BT-100", "Document level charge base amount", "allowances_charges[].base_amount"),
    _t("BT-101", "Document level charge percentage", "allowances_charges[].percentage"),
    _t("BT-102", "Document level charge VAT category code", "allowances_charges[].vat_category"),
    _t("BT-103", "Document level charge VAT rate", "allowances_charges[].vat_rate", "checked against the law"),
    _t("BT-104", "Document level charge reason", "allowances_charges[].reason"),
    _t("BT-105", "Document level charge reason code", "allowances_charges[].reason_code", "UNTDID 7161"),
    _t("BT-106", "Sum of Invoice line net amount", "", _CALC, "computed"),
    _t("BT-107", "Sum of allowances on document level", "", _CALC, "computed"),
    _t("BT-108", "Sum of charges on document level", "", _CALC, "computed"),
    _t("BT-109", "Invoice total amount without VAT", "", _CALC, "computed"),
    _t("BT-110", "Invoice total VAT amount", "", _CALC, "computed"),
    _t(
        "BT-111",
        "Invoice total VAT amount in accounting currency",
        "tax_exchange_rate",
        "BT-110 x the exchange rate, in RON",
        "computed",
    ),
    _t("BT-112", "Invoice total amount with VAT", "", _CALC, "computed"),
    _t("BT-113", "Paid amount", "", "not modelled: the amount due is the total (no prepayments)"),
    _t("BT-114", "Rounding amount", "", "not modelled: totals are exact to the cent"),
    _t("BT-115", "Amount due for payment", "", _CALC, "computed"),
    _t("BT-116", "VAT category taxable amount", "", _CALC, "computed"),
    _t("BT-117", "VAT category tax amount", "", _CALC, "computed"),
    _t("BT-118", "VAT category code", "", "from the categories of the lines and allowances/charges", "computed"),
    _t("BT-119", "VAT category rate", "", "from the rates of the lines and allowances/charges", "computed"),
    _t(
        "BT-120",
        "VAT exemption reason text",
        "exemptions.*.reason exemption_reasons.*",
        "per exempt category; defaults per category when not given",
    ),
    _t("BT-121", "VAT exemption reason code", "exemptions.*.code", "CEF VATEX list (BR-CL-22)"),
    _t("BT-122", "Supporting document reference", "", _LATER),
    _t("BT-123", "Supporting document description", "", _LATER),
    _t("BT-124", "External document location", "", _LATER),
    _t("BT-125", "Attached document", "", "not modelled: attachments count against ANAF's 10 MB"),
    _t("BT-126", "Invoice line identifier", "", "the line's position, from 1", "computed"),
    _t("BT-127", "Invoice line note", "lines[].note"),
    _t("BT-128", "Invoice line object identifier", "", _LATER),
    _t("BT-129", "Invoiced quantity", "lines[].quantity", "negative for returns"),
    _t("BT-130", "Invoiced quantity unit of measure code", "lines[].unit_code"),
    _t("BT-131", "Invoice line net amount", "", "quantity x net price, rounded half-up to cents", "computed"),
    _t("BT-132", "Referenced purchase order line reference", "", _LATER),
    _t("BT-133", "Invoice line Buyer accounting reference", "", _LATER),
    _t("BT-134", "Invoice line period start date", "", _LATER),
    _t("BT-135", "Invoice line period end date", "", _LATER),
    _t("BT-136", "Invoice line allowance amount", "", _LINE_AC),
    _t("BT-137", "Invoice line allowance base amount", "", _LINE_AC),
    _t("BT-138", "Invoice line allowance percentage", "", _LINE_AC),
    _t("BT-139", "Invoice line allowance reason", "", _LINE_AC),
    _t("BT-140", "Invoice line allowance reason code", "", _LINE_AC),
    _t("BT-141", "Invoice line charge amount", "", _LINE_AC),
    _t("BT-142", "Invoice line charge base amount", "", _LINE_AC),
    _t("BT-143", "Invoice line charge percentage", "", _LINE_AC),
    _t("BT-144", "Invoice line charge reason", "", _LINE_AC),
    _t("BT-145", "Invoice line charge reason code", "", _LINE_AC),
    _t("BT-146", "Item net price", "lines[].unit_price"),
    _t("BT-147", "Item price discount", "", _LINE_AC),
    _t("BT-148", "Item gross price", "", _LINE_AC),
    _t("BT-149", "Item price base quantity", "", "not modelled: the price is per one unit"),
    _t("BT-150", "Item price base quantity unit of measure code", "", "not modelled: the price is per one unit"),
    _t("BT-151", "Invoiced item VAT category code", "lines[].vat_category"),
    _t("BT-152", "Invoiced item VAT rate", "lines[].vat_rate", "checked against the rate in force (anaf_core.vat)"),
    _t("BT-153", "Item name", "lines[].name"),
    _t("BT-154", "Item description", "lines[].description"),
    _t("BT-155", "Item Seller's identifier", "lines[].seller_item_id"),
    _t("BT-156", "Item Buyer's identifier", "", _LATER),
    _t("BT-157", "Item standard identifier", "", _LATER),
    _t("BT-158", "Item classification identifier", "", _LATER),
    _t("BT-159", "Item country of origin", "", _LATER),
    _t("BT-160", "Item attribute name", "lines[].attributes[].name"),
    _t("BT-161", "Item attribute value", "lines[].attributes[].value"),
    _t("BG-1", "INVOICE NOTE", "notes"),
    _t("BG-2", "PROCESS CONTROL", "", "BT-24 only, fixed (CIUS-RO)", "fixed"),
    _t("BG-3", "PRECEDING INVOICE REFERENCE", "preceding_invoices"),
    _t("BG-4", "SELLER", "seller"),
    _t("BG-5", "SELLER POSTAL ADDRESS", "seller.address"),
    _t("BG-6", "SELLER CONTACT", "seller.contact"),
    _t("BG-7", "BUYER", "buyer"),
    _t("BG-8", "BUYER POSTAL ADDRESS", "buyer.address"),
    _t("BG-9", "BUYER CONTACT", "buyer.contact"),
    _t("BG-10", "PAYEE", "", _PARTY),
    _t("BG-11", "SELLER TAX REPRESENTATIVE PARTY", "", _PARTY),
    _t("BG-12", "SELLER TAX REPRESENTATIVE POSTAL ADDRESS", "", _PARTY),
    _t("BG-13", "DELIVERY INFORMATION", "delivery"),
    _t("BG-14", "INVOICING PERIOD", "period_start period_end"),
    _t("BG-15", "DELIVER TO ADDRESS", "delivery.address"),
    _t("BG-16", "PAYMENT INSTRUCTIONS", "payment"),
    _t("BG-17", "CREDIT TRANSFER", "payment.iban payment.account_name"),
    _t("BG-18", "PAYMENT CARD INFORMATION", "", _LATER),
    _t("BG-19", "DIRECT DEBIT", "", _LATER),
    _t("BG-20", "DOCUMENT LEVEL ALLOWANCES", "allowances_charges", "charge = false"),
    _t("BG-21", "DOCUMENT LEVEL CHARGES", "allowances_charges", "charge = true"),
    _t("BG-22", "DOCUMENT TOTALS", "", _CALC, "computed"),
    _t("BG-23", "VAT BREAKDOWN", "", _CALC, "computed"),
    _t("BG-24", "ADDITIONAL SUPPORTING DOCUMENTS", "", _LATER),
    _t("BG-25", "INVOICE LINE", "lines"),
    _t("BG-26", "INVOICE LINE PERIOD", "", _LATER),
    _t("BG-27", "INVOICE LINE ALLOWANCES", "", _LINE_AC),
    _t("BG-28", "INVOICE LINE CHARGES", "", _LINE_AC),
    _t("BG-29", "PRICE DETAILS", "lines[].unit_price"),
    _t("BG-30", "LINE VAT INFORMATION", "lines[].vat_category lines[].vat_rate"),
    _t("BG-31", "ITEM INFORMATION", "lines[].name"),
    _t("BG-32", "ITEM ATTRIBUTES", "lines[].attributes"),
)


def render() -> str:
    """The Markdown table (between the README's coverage markers)."""
    counts = {s: sum(1 for t in TERMS if t.status == s) for s in ("supported", "computed", "fixed", "not supported")}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    rows = [
        f"{len(TERMS)} EN 16931 terms: {summary}. Generated by `python -m anaf_efactura.coverage` "
        "from `anaf_efactura/coverage.py`.",
        "",
        "| Term | Name | Status | Payload field | Note |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in TERMS:
        paths = ", ".join(f"`{p}`" for p in t.paths)
        rows.append(f"| {t.id} | {t.name} | {t.status} | {paths} | {t.note} |")
    rows += ["", "Payload fields that are not EN 16931 terms:", ""]
    rows += [f"- `{path}`: {why}" for path, why in EXTENSIONS.items()]
    return "\n".join(rows)


def write_readme(path: Path = README) -> None:
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{render()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":  # regenerate the README table: python -m anaf_efactura.coverage
    write_readme()
    print(f"wrote {README}")
