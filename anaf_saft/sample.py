"""A consistent synthetic accounting export (any size) in the documented format, for demos, tests and the benchmark.

Each transaction books a sale (4111 debit / 707 + 4427 credit) or a purchase (371 + 4426 debit / 401
credit) within the period; account closing balances are computed so the roll-forward check holds. With
``documents`` (the default) every transaction also has its invoice (SalesInvoices / PurchaseInvoices,
every fifth with a second, transport line) and some invoices a payment (Payments, on the partner account;
the sample's ledger books only the invoices).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = ["SAMPLE_COMPANY", "write_sample_export"]

SAMPLE_COMPANY: dict[str, Any] = {
    "registration_number": "RO18547290",
    "name": "EXEMPLU COMERT SRL",
    "address": {"street": "Str. Exemplu", "number": "1", "city": "Bucuresti", "postal_code": "010101", "country": "RO"},
    "contact": {"first_name": "Ion", "last_name": "Popescu", "telephone": "0700000000", "email": "contabil@example.com"},
    "iban": "RO49AAAA1B31007593840000",
}

_ACCOUNTS = [
    ("4111", "Clienti", "Bifunctional"), ("707", "Venituri din vanzarea marfurilor", "Pasiv"),
    ("4427", "TVA colectata", "Pasiv"), ("371", "Marfuri", "Activ"), ("4426", "TVA deductibila", "Activ"),
    ("401", "Furnizori", "Bifunctional"),
]
_CUSTOMERS = [("C1", "0014399840", "CLIENT UNU SRL"), ("C2", "01DE123456789", "KUNDE GMBH"), ("C3", "080000000000000", "PERSOANA FIZICA")]
_SUPPLIERS = [("S1", "0018547290", "FURNIZOR SRL")]


def _rows(n_lines: int, year: int, month: int) -> Iterator[dict[str, Any]]:
    tx = 0
    written = 0
    while written < n_lines:
        tx += 1
        day = f"{year}-{month:02d}-{(tx % 28) + 1:02d}"
        base = Decimal(100 + (tx * 37) % 9000)
        vat = (base * Decimal("0.19")).quantize(Decimal("0.01"))
        common = {"journal_id": "VZ" if tx <= n_lines // 6 else "CMP", "transaction_id": f"T{tx}", "transaction_date": day}
        if tx % 2:
            cust = _CUSTOMERS[tx % len(_CUSTOMERS)][0]
            common |= {"transaction_description": f"Factura vanzare {tx}", "customer_id": cust, "supplier_id": "0"}
            lines = [("4111", base + vat, 0, "000", "000000", 0), ("707", 0, base, "300", "310309", vat), ("4427", 0, vat, "000", "000000", 0)]
        else:
            common |= {"transaction_description": f"Factura achizitie {tx}", "customer_id": "0", "supplier_id": "S1"}
            lines = [("371", base, 0, "300", "310309", vat), ("4426", vat, 0, "000", "000000", 0), ("401", 0, base + vat, "000", "000000", 0)]
        for i, (acc, debit, credit, ttype, tcode, tamount) in enumerate(lines, 1):
            yield common | {
                "record_id": f"{tx}.{i}", "account_id": acc, "description": f"Linie {i}",
                "debit": str(debit), "credit": str(credit), "tax_type": ttype, "tax_code": tcode, "tax_amount": str(tamount),
            }
        written += len(lines)


def _transactions(n_lines: int, year: int, month: int) -> Iterator[tuple[int, str, Decimal, Decimal]]:
    """(number, date, base, VAT) of each transaction ``_rows`` books (3 lines each)."""
    tx = 0
    while tx * 3 < n_lines:
        tx += 1
        base = Decimal(100 + (tx * 37) % 9000)
        yield tx, f"{year}-{month:02d}-{(tx % 28) + 1:02d}", base, (base * Decimal("0.19")).quantize(Decimal("0.01"))


def _invoices(n_lines: int, year: int, month: int, sales: bool) -> Iterator[dict[str, Any]]:
    for tx, day, base, vat in _transactions(n_lines, year, month):
        if bool(tx % 2) != sales:
            continue
        party = _CUSTOMERS[tx % len(_CUSTOMERS)][0] if sales else "S1"
        head = {
            "invoice_no": f"{'FV' if sales else 'FF'}-{tx}", "invoice_date": day, "invoice_type": "380", "self_billing": "0",
            "party_id": party, "account_id": "4111" if sales else "401", "transaction_id": f"T{tx}", "source_id": "",
            "net_total": str(base), "gross_total": str(base + vat),
        }
        goods = base - 10 if tx % 5 == 0 else base
        goods_vat = (goods * Decimal("0.19")).quantize(Decimal("0.01"))
        lines = [("1", "MF-1", "Mărfuri vândute conform contractului" if sales else "Mărfuri achiziționate", goods, goods_vat)]
        if goods != base:
            lines.append(("2", "TR-1", "Transport și manipulare", base - goods, vat - goods_vat))
        for no, product, description, amount, tax in lines:
            yield head | {
                "line_number": no, "line_account_id": "707" if sales else "371", "product_code": product,
                "description": description, "quantity": "1", "uom": "H87", "unit_price": str(amount),
                "tax_point_date": day, "amount": str(amount), "debit_credit": "C" if sales else "D",
                "tax_type": "300", "tax_code": "310309", "tax_percentage": "19", "tax_base": str(amount), "tax_amount": str(tax),
            }


def _payments(n_lines: int, year: int, month: int) -> Iterator[dict[str, Any]]:
    for tx, day, base, vat in _transactions(n_lines, year, month):
        sales = bool(tx % 2)
        if (sales and tx % 3 != 1) or (not sales and tx % 4 != 0):
            continue
        customer = _CUSTOMERS[tx % len(_CUSTOMERS)][0] if sales else "0"
        yield {
            "payment_ref": f"{'INC' if sales else 'PL'}-{tx}", "payment_date": day, "payment_method": "Ordin de plată",
            "payment_description": f"Încasare factură FV-{tx}" if sales else f"Plată factură FF-{tx}",
            "transaction_id": "", "source_id": "", "line_number": "1", "source_document_id": f"{'FV' if sales else 'FF'}-{tx}",
            "account_id": "4111" if sales else "401", "customer_id": customer, "supplier_id": "0" if sales else "S1",
            "description": "Stingere creanță" if sales else "Stingere datorie",
            "debit": "0" if sales else str(base + vat), "credit": str(base + vat) if sales else "0",
            "tax_type": "000", "tax_code": "000000", "tax_amount": "0",
        }


def write_sample_export(directory: Path, *, lines: int = 12, year: int = 2026, month: int = 6, fmt: str = "jsonl",
                        documents: bool = True) -> dict[str, Path]:
    """Write accounts/customers/suppliers/tax_codes/uom/journals/lines files (and with ``documents``
    sales_invoices/purchase_invoices/payments); returns kind -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    kinds = ["accounts", "customers", "suppliers", "tax_codes", "uom", "journals", "lines"]
    if documents:
        kinds += ["sales_invoices", "purchase_invoices", "payments"]
    paths = {k: directory / f"{k}.{fmt}" for k in kinds}
    moves: dict[str, Decimal] = {}

    def dump(kind: str, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> None:
        with paths[kind].open("w", encoding="utf-8", newline="") as fh:
            writer: csv.DictWriter[str] | None = None
            for row in rows:
                if fmt == "jsonl":
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                else:
                    if writer is None:
                        writer = csv.DictWriter(fh, fieldnames=list(row))
                        writer.writeheader()
                    writer.writerow(row)

    def counted(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for r in rows:
            moves[r["account_id"]] = moves.get(r["account_id"], Decimal(0)) + Decimal(r["debit"]) - Decimal(r["credit"])
            yield r

    dump("lines", counted(_rows(lines, year, month)))
    opening = Decimal("1000.00")
    dump("accounts", [
        {"account_id": a, "description": d, "account_type": t, "opening_debit": str(opening), "opening_credit": "0",
         "closing_debit": str(max(opening + moves.get(a, Decimal(0)), Decimal(0))),
         "closing_credit": str(max(-(opening + moves.get(a, Decimal(0))), Decimal(0)))}
        for a, d, t in _ACCOUNTS
    ])
    dump("customers", [{"party_id": p, "registration_number": r, "name": n, "city": "Bucuresti", "country": "RO",
                        "account_id": "4111"} for p, r, n in _CUSTOMERS])
    dump("suppliers", [{"party_id": p, "registration_number": r, "name": n, "city": "Cluj-Napoca", "country": "RO",
                        "account_id": "401"} for p, r, n in _SUPPLIERS])
    dump("tax_codes", [{"tax_type": "300", "tax_code": "310309", "description": "TVA 19%", "percentage": "19", "base_rate": "1"}])
    dump("uom", [{"code": "H87", "description": "Bucata"}])
    dump("journals", [{"journal_id": "VZ", "description": "Jurnal vanzari", "type": "VZ"},
                      {"journal_id": "CMP", "description": "Jurnal cumparari", "type": "CMP"}])
    if documents:
        dump("sales_invoices", _invoices(lines, year, month, sales=True))
        dump("purchase_invoices", _invoices(lines, year, month, sales=False))
        dump("payments", _payments(lines, year, month))
    return paths
