"""A consistent synthetic accounting export (any size) in the documented format, for demos, tests and the benchmark.

Each transaction books a sale (4111 debit / 707 + 4427 credit) or a purchase (371 + 4426 debit / 401
credit) within the period, at the 19% VAT of July 2025 (tax code 310309). The opening trial balance
balances (capital 1012 against bank 5121, goods 371 and the partners' opening balances on 4111 and 401);
account and partner closing balances are computed from it and the movements, so every accounting check
holds. With ``documents`` (the default) every transaction also has its invoice (SalesInvoices /
PurchaseInvoices, every fifth with a second, transport line) and some invoices a payment (Payments), each
payment posted in the bank journal (5121 against the partner's account) after the invoices; ``lines``
counts the invoice postings, the bank postings come on top.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = ["SAMPLE_COMPANY", "write_sample_export"]

SAMPLE_COMPANY: dict[str, Any] = {
    "registration_number": "RO18547290",
    "name": "EXEMPLU COMERT SRL",
    "address": {"street": "Str. Exemplu", "number": "1", "city": "Bucuresti", "postal_code": "010101", "country": "RO"},
    "contact": {
        "first_name": "Ion",
        "last_name": "Popescu",
        "telephone": "0700000000",
        "email": "contabil@example.com",
    },
    "iban": "RO49AAAA1B31007593840000",
}

_ACCOUNTS = [
    ("1012", "Capital subscris varsat", "Pasiv"),
    ("5121", "Conturi la banci in lei", "Activ"),
    ("4111", "Clienti", "Bifunctional"),
    ("707", "Venituri din vanzarea marfurilor", "Pasiv"),
    ("4427", "TVA colectata", "Pasiv"),
    ("371", "Marfuri", "Activ"),
    ("4426", "TVA deductibila", "Activ"),
    ("401", "Furnizori", "Bifunctional"),
]
#: Opening balances, debit positive: they balance (1012 carries the difference).
_OPENING = {
    "1012": Decimal(-69000),
    "5121": Decimal(50000),
    "371": Decimal(17000),
    "4111": Decimal(3000),
    "401": Decimal(-1000),
}
_PARTNER_OPENING = Decimal(1000)  # each customer owes it, the supplier is owed it
_CUSTOMERS = [
    ("C1", "0014399840", "CLIENT UNU SRL"),
    ("C2", "01DE123456789", "KUNDE GMBH"),
    ("C3", "080000000000000", "PERSOANA FIZICA"),
]
_SUPPLIERS = [("S1", "0018547290", "FURNIZOR SRL")]


def _rows(n_lines: int, year: int, month: int) -> Iterator[dict[str, Any]]:
    tx = 0
    written = 0
    while written < n_lines:
        tx += 1
        day = f"{year}-{month:02d}-{(tx % 28) + 1:02d}"
        base = Decimal(100 + (tx * 37) % 9000)
        vat = (base * Decimal("0.19")).quantize(Decimal("0.01"))
        common = {
            "journal_id": "VZ" if tx <= n_lines // 6 else "CMP",
            "transaction_id": f"T{tx}",
            "transaction_date": day,
        }
        if tx % 2:
            cust = _CUSTOMERS[tx % len(_CUSTOMERS)][0]
            common |= {"transaction_description": f"Factura vanzare {tx}", "customer_id": cust, "supplier_id": "0"}
            lines = [
                ("4111", base + vat, 0, "000", "000000", 0),
                ("707", 0, base, "300", "310309", vat),
                ("4427", 0, vat, "000", "000000", 0),
            ]
        else:
            common |= {"transaction_description": f"Factura achizitie {tx}", "customer_id": "0", "supplier_id": "S1"}
            lines = [
                ("371", base, 0, "300", "310309", vat),
                ("4426", vat, 0, "000", "000000", 0),
                ("401", 0, base + vat, "000", "000000", 0),
            ]
        for i, (acc, debit, credit, ttype, tcode, tamount) in enumerate(lines, 1):
            yield common | {
                "record_id": f"{tx}.{i}",
                "account_id": acc,
                "description": f"Linie {i}",
                "debit": str(debit),
                "credit": str(credit),
                "tax_type": ttype,
                "tax_code": tcode,
                "tax_amount": str(tamount),
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
            "invoice_no": f"{'FV' if sales else 'FF'}-{tx}",
            "invoice_date": day,
            "invoice_type": "380",
            "self_billing": "0",
            "party_id": party,
            "account_id": "4111" if sales else "401",
            "transaction_id": f"T{tx}",
            "source_id": "",
            "net_total": str(base),
            "gross_total": str(base + vat),
        }
        goods = base - 10 if tx % 5 == 0 else base
        goods_vat = (goods * Decimal("0.19")).quantize(Decimal("0.01"))
        lines = [
            (
                "1",
                "MF-1",
                "Mărfuri vândute conform contractului" if sales else "Mărfuri achiziționate",
                goods,
                goods_vat,
            )
        ]
        if goods != base:
            lines.append(("2", "TR-1", "Transport și manipulare", base - goods, vat - goods_vat))
        for no, product, description, amount, tax in lines:
            yield head | {
                "line_number": no,
                "line_account_id": "707" if sales else "371",
                "product_code": product,
                "description": description,
                "quantity": "1",
                "uom": "H87",
                "unit_price": str(amount),
                "tax_point_date": day,
                "amount": str(amount),
                "debit_credit": "C" if sales else "D",
                "tax_type": "300",
                "tax_code": "310309",
                "tax_percentage": "19",
                "tax_base": str(amount),
                "tax_amount": str(tax),
            }


def _paid(n_lines: int, year: int, month: int) -> Iterator[tuple[int, str, bool, Decimal, str]]:
    """(number, date, sale?, amount, partner) of each invoice the sample pays."""
    for tx, day, base, vat in _transactions(n_lines, year, month):
        sales = bool(tx % 2)
        if (sales and tx % 3 != 1) or (not sales and tx % 4 != 0):
            continue
        yield tx, day, sales, base + vat, _CUSTOMERS[tx % len(_CUSTOMERS)][0] if sales else "S1"


def _payments(n_lines: int, year: int, month: int) -> Iterator[dict[str, Any]]:
    for tx, day, sales, amount, partner in _paid(n_lines, year, month):
        yield {
            "payment_ref": f"{'INC' if sales else 'PL'}-{tx}",
            "payment_date": day,
            "payment_method": "Ordin de plată",
            "payment_description": f"Încasare factură FV-{tx}" if sales else f"Plată factură FF-{tx}",
            "transaction_id": f"B{tx}",
            "source_id": "",
            "line_number": "1",
            "source_document_id": f"{'FV' if sales else 'FF'}-{tx}",
            "account_id": "4111" if sales else "401",
            "customer_id": partner if sales else "0",
            "supplier_id": "0" if sales else partner,
            "description": "Stingere creanță" if sales else "Stingere datorie",
            "debit": "0" if sales else str(amount),
            "credit": str(amount) if sales else "0",
            "tax_type": "000",
            "tax_code": "000000",
            "tax_amount": "0",
        }


def _bank(n_lines: int, year: int, month: int) -> Iterator[dict[str, Any]]:
    """The payments' postings in the bank journal: 5121 / 4111 for a receipt, 401 / 5121 for a disbursement."""
    for tx, day, sales, amount, partner in _paid(n_lines, year, month):
        common = {
            "journal_id": "BNC",
            "transaction_id": f"B{tx}",
            "transaction_date": day,
            "transaction_description": f"{'Incasare FV' if sales else 'Plata FF'}-{tx}",
            "customer_id": partner if sales else "0",
            "supplier_id": "0" if sales else partner,
        }
        debit, credit = ("5121", "4111") if sales else ("401", "5121")
        for i, (acc, d, c) in enumerate(((debit, amount, 0), (credit, 0, amount)), 1):
            yield common | {
                "record_id": f"B{tx}.{i}",
                "account_id": acc,
                "description": f"Linie {i}",
                "debit": str(d),
                "credit": str(c),
                "tax_type": "000",
                "tax_code": "000000",
                "tax_amount": "0",
            }


def _dump(path: Path, fmt: str, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer: csv.DictWriter[str] | None = None
        for row in rows:
            if fmt == "jsonl":
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                continue
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)


def _balances(opening: Decimal, moved: Decimal) -> dict[str, str]:
    closing = opening + moved
    return {
        "opening_debit": str(max(opening, Decimal(0))),
        "opening_credit": str(max(-opening, Decimal(0))),
        "closing_debit": str(max(closing, Decimal(0))),
        "closing_credit": str(max(-closing, Decimal(0))),
    }


def _counted(rows: Iterator[dict[str, Any]], moves: dict[str, Decimal]) -> Iterator[dict[str, Any]]:
    """Pass the ledger rows through, adding each to its account's and (on 4111/401) its partner's movement."""
    for r in rows:
        amount = Decimal(r["debit"]) - Decimal(r["credit"])
        moves[r["account_id"]] = moves.get(r["account_id"], Decimal(0)) + amount
        partner = {"4111": r["customer_id"], "401": r["supplier_id"]}.get(r["account_id"])
        if partner is not None:
            moves[f"party:{partner}"] = moves.get(f"party:{partner}", Decimal(0)) + amount
        yield r


def _parties(
    parties: Any, city: str, account: str, opening: Decimal, moves: dict[str, Decimal]
) -> list[dict[str, Any]]:
    """Customer or supplier rows with their balances (the opening plus the period's movement on ``account``)."""
    return [
        {
            "party_id": p,
            "registration_number": r,
            "name": n,
            "city": city,
            "country": "RO",
            "account_id": account,
            **_balances(opening, moves.get(f"party:{p}", Decimal(0))),
        }
        for p, r, n in parties
    ]


def _master_files(fmt: str, paths: dict[str, Path], moves: dict[str, Decimal]) -> None:
    zero = Decimal(0)
    _dump(
        paths["accounts"],
        fmt,
        [
            {
                "account_id": a,
                "description": d,
                "account_type": t,
                **_balances(_OPENING.get(a, zero), moves.get(a, zero)),
            }
            for a, d, t in _ACCOUNTS
        ],
    )
    _dump(paths["customers"], fmt, _parties(_CUSTOMERS, "Bucuresti", "4111", _PARTNER_OPENING, moves))
    _dump(paths["suppliers"], fmt, _parties(_SUPPLIERS, "Cluj-Napoca", "401", -_PARTNER_OPENING, moves))
    _dump(
        paths["tax_codes"],
        fmt,
        [{"tax_type": "300", "tax_code": "310309", "description": "TVA 19%", "percentage": "19", "base_rate": "1"}],
    )
    _dump(paths["uom"], fmt, [{"code": "H87", "description": "Bucata"}])
    _dump(
        paths["journals"],
        fmt,
        [
            {"journal_id": "VZ", "description": "Jurnal vanzari", "type": "VZ"},
            {"journal_id": "CMP", "description": "Jurnal cumparari", "type": "CMP"},
            {"journal_id": "BNC", "description": "Jurnal banca", "type": "BNC"},
        ],
    )


def write_sample_export(
    directory: Path, *, lines: int = 12, year: int = 2025, month: int = 7, fmt: str = "jsonl", documents: bool = True
) -> dict[str, Path]:
    """Write accounts/customers/suppliers/tax_codes/uom/journals/lines files (and with ``documents``
    sales_invoices/purchase_invoices/payments); returns kind -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    kinds = ["accounts", "customers", "suppliers", "tax_codes", "uom", "journals", "lines"]
    if documents:
        kinds += ["sales_invoices", "purchase_invoices", "payments"]
    paths = {k: directory / f"{k}.{fmt}" for k in kinds}
    moves: dict[str, Decimal] = {}
    ledger = _rows(lines, year, month)
    if documents:
        ledger = itertools.chain(ledger, _bank(lines, year, month))
    _dump(paths["lines"], fmt, _counted(ledger, moves))
    _master_files(fmt, paths, moves)
    if documents:
        _dump(paths["sales_invoices"], fmt, _invoices(lines, year, month, sales=True))
        _dump(paths["purchase_invoices"], fmt, _invoices(lines, year, month, sales=False))
        _dump(paths["payments"], fmt, _payments(lines, year, month))
    return paths
