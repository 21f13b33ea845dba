"""SourceDocuments (SalesInvoices, PurchaseInvoices, Payments): real entries and totals, valid against the official
XSD, diacritics intact, bad documents refused with clear findings before anything is written, SQL source too."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from anaf_saft.cli import cli
from anaf_saft.errors import SaftSourceChangedError
from anaf_saft.models import SaftRequest
from anaf_saft.sample import SAMPLE_COMPANY, write_sample_export
from anaf_saft.sources import KINDS, ExportFiles
from anaf_saft.writer import NS_PRODUCTION, NS_TEST
from shared.errors import PayloadError
from tests.anaf_saft import books


def request(**changes):
    base = {
        "company": SAMPLE_COMPANY,
        "period": {"year": 2025, "start_month": 7, "end_month": 7},
        "period_type": "L",
        "source": {"kind": "export", "accounts": "unused", "lines": "unused"},
    }
    base.update(changes)
    return SaftRequest.model_validate(base)


def _rows(path: Path, fmt: str = "jsonl") -> list[dict]:
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _section(root, ns: str, tag: str):
    return root.find(f"{{{ns}}}SourceDocuments/{{{ns}}}{tag}")


def _totals(section, ns: str) -> tuple[str, str, str]:
    return tuple(section.findtext(f"{{{ns}}}{t}") for t in ("NumberOfEntries", "TotalDebit", "TotalCredit"))  # type: ignore[return-value]


def _expected(rows: list[dict], key, amount_side) -> tuple[str, str, str]:
    """NumberOfEntries, TotalDebit, TotalCredit computed independently from the export rows."""
    debit = credit = Decimal("0")
    for r in rows:
        d, c = amount_side(r)
        debit += d
        credit += c
    return str(len({key(r) for r in rows})), f"{debit:.2f}", f"{credit:.2f}"


def _invoice_side(r: dict) -> tuple[Decimal, Decimal]:
    a = Decimal(r["amount"])
    return (a, Decimal(0)) if r["debit_credit"] == "D" else (Decimal(0), a)


@pytest.mark.parametrize(("fmt", "test"), [("jsonl", False), ("csv", True)])
def test_invoices_and_payments_are_written_with_real_totals(tmp_path, make_generator, store, saft_schema, fmt, test):
    paths = write_sample_export(tmp_path / "exp", lines=60, fmt=fmt)
    sales, purchases, payments = (_rows(paths[k], fmt) for k in ("sales_invoices", "purchase_invoices", "payments"))
    result = make_generator().generate(request(test=test), ExportFiles(paths, fmt))
    ns = NS_TEST if test else NS_PRODUCTION
    assert result.xsd_valid is True
    path = store.path(result.key)
    assert saft_schema.validate_file(path, ns) == []  # the streaming validator the service uses
    root = etree.parse(str(path)).getroot()
    saft_schema._schemas[ns].assertValid(root.getroottree())  # and the whole tree at once, against the official XSD

    exp_sales = _expected(sales, lambda r: (r["party_id"], r["invoice_no"]), _invoice_side)
    exp_purchases = _expected(purchases, lambda r: (r["party_id"], r["invoice_no"]), _invoice_side)
    exp_payments = _expected(
        payments, lambda r: r["payment_ref"], lambda r: (Decimal(r["debit"]), Decimal(r["credit"]))
    )
    assert _totals(_section(root, ns, "SalesInvoices"), ns) == exp_sales
    assert _totals(_section(root, ns, "PurchaseInvoices"), ns) == exp_purchases
    assert _totals(_section(root, ns, "Payments"), ns) == exp_payments
    assert int(exp_sales[0]) == 10 and int(exp_purchases[0]) == 10 and int(exp_payments[0]) >= 3
    assert exp_sales[1] == "0.00" and exp_sales[2] != "0.00" and exp_purchases[2] == "0.00"
    assert len(root.findall(f".//{{{ns}}}SalesInvoices/{{{ns}}}Invoice")) == 10
    assert len(root.findall(f".//{{{ns}}}SalesInvoices/{{{ns}}}Invoice/{{{ns}}}InvoiceLine")) == len(sales)
    assert len(root.findall(f".//{{{ns}}}Payments/{{{ns}}}Payment/{{{ns}}}PaymentLine")) == len(payments)
    summary = result.documents
    assert (summary["sales_invoices"].entries, summary["sales_invoices"].total_credit) == (10, exp_sales[2])
    assert summary["payments"].lines == len(payments)

    first = root.find(f".//{{{ns}}}SalesInvoices/{{{ns}}}Invoice")
    assert first.findtext(f"{{{ns}}}CustomerInfo/{{{ns}}}CustomerID") == sales[0]["party_id"]
    assert first.findtext(f"{{{ns}}}CustomerInfo/{{{ns}}}BillingAddress/{{{ns}}}City") == "Bucuresti"
    assert (
        first.findtext(f"{{{ns}}}InvoiceDocumentTotals/{{{ns}}}GrossTotal") == f"{Decimal(sales[0]['gross_total']):.2f}"
    )
    purchase = root.find(f".//{{{ns}}}PurchaseInvoices/{{{ns}}}Invoice")
    assert purchase.findtext(f"{{{ns}}}SupplierInfo/{{{ns}}}SupplierID") == "S1"
    # Romanian diacritics survive export -> XML
    descriptions = {e.text for e in root.iter(f"{{{ns}}}Description")}
    assert "Mărfuri vândute conform contractului" in descriptions and "Transport și manipulare" in descriptions
    assert any(d and d.startswith("Încasare factură FV-") for d in descriptions)
    assert "Ordin de plată" in {e.text for e in root.iter(f"{{{ns}}}PaymentMethod")}


def test_documents_go_to_segment_one_and_other_segments_stay_valid(tmp_path, make_generator, store):
    paths = write_sample_export(tmp_path / "exp", lines=30)
    result = make_generator(max_lines=10).generate(request(), ExportFiles(paths))
    assert len(result.segments) == 5 and result.xsd_valid  # 10 invoice postings of 3 lines, then 4 payments of 2
    ns = NS_PRODUCTION
    for seg in result.segments:
        root = etree.fromstring(store.get(seg.key))
        entries = _totals(_section(root, ns, "SalesInvoices"), ns)[0]
        invoices = root.findall(f".//{{{ns}}}Invoice")
        if seg.index == 1:
            assert entries == "5" and len(invoices) == 10  # 5 sales, 5 purchase invoices
        else:
            assert entries == "0" and invoices == []


def test_a_source_without_documents_keeps_empty_sections(tmp_path, make_generator, store):
    paths = write_sample_export(tmp_path / "exp", lines=12, documents=False)
    assert "sales_invoices" not in paths
    result = make_generator().generate(request(), ExportFiles(paths))
    root = etree.fromstring(store.get(result.key))
    for tag in ("SalesInvoices", "PurchaseInvoices", "Payments"):
        assert _totals(_section(root, NS_PRODUCTION, tag), NS_PRODUCTION) == ("0", "0.00", "0.00")
    assert result.xsd_valid and result.documents["payments"].entries == 0


def _invoice(no: str, lines: list[dict], **head) -> list[dict]:
    base = {"invoice_no": no, "invoice_date": "2025-07-15", "party_id": "C1", "account_id": "4111"}
    return [base | head | line for line in lines]


def test_hand_written_documents_credit_note_several_tax_codes_and_escaping(
    tmp_path, make_generator, store, saft_schema
):
    """What an ERP sends: a two-rate invoice, a credit note (lines on the debit side), XML-special characters and
    diacritics (also capital Ș/Ț), a two-line payment, CSV through the same path."""
    paths = write_sample_export(tmp_path / "exp", lines=6, fmt="csv")
    nine = {"tax_type": "300", "tax_code": "310310", "description": "TVA 9%", "percentage": "9", "base_rate": "1"}
    taxes = [*_rows(paths["tax_codes"], "csv"), nine]
    cols = list(taxes[0])
    with paths["tax_codes"].open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows(taxes)
    line = {"line_account_id": "707", "quantity": "2.5", "uom": "H87", "debit_credit": "", "tax_type": "300"}
    sales = _invoice(
        "FV <1> & Co",
        [
            line
            | {
                "line_number": "1",
                "description": "Țiglă ceramică ȘI accesorii <mix> & montaj",
                "unit_price": "100.00",
                "amount": "250.00",
                "tax_code": "310309",
                "tax_percentage": "19",
                "tax_amount": "47.50",
            },
            line
            | {
                "line_number": "2",
                "description": "Cărți școlare",
                "quantity": "1.123456",
                "unit_price": "50.00",
                "amount": "56.17",
                "tax_code": "310310",
                "tax_percentage": "9",
                "tax_amount": "5.06",
            },
        ],
        net_total="306.17",
        gross_total="358.73",
        invoice_type="380",
        transaction_id="TX-FV1",
    )
    credit_note = _invoice(
        "NC-7",
        [
            line
            | {
                "description": "Retur țiglă",
                "quantity": "-1",
                "unit_price": "100.00",
                "amount": "100.00",
                "debit_credit": "D",
                "tax_code": "310309",
                "tax_percentage": "19",
                "tax_amount": "19.00",
            },
        ],
        net_total="-100.00",
        gross_total="-119.00",
        invoice_type="381",
        party_id="C2",
        transaction_id="TX-NC7",
    )
    pay_cols = {
        "payment_ref": "OP 15/2026",
        "payment_date": "2025-07-20",
        "payment_method": "Numerar",
        "payment_description": "Încasare parțială",
        "customer_id": "C1",
        "supplier_id": "0",
        "transaction_id": "TX-OP15",
    }
    payments = [
        pay_cols | {"account_id": "4111", "credit": "200.00", "debit": "", "source_document_id": "FV <1> & Co"},
        pay_cols | {"account_id": "4111", "credit": "", "debit": "10.00", "description": "Comision bancar"},
    ]
    for kind, rows in (("sales_invoices", sales + credit_note), ("payments", payments)):
        fields = sorted({k for r in rows for k in r})
        with paths[kind].open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
    paths["purchase_invoices"].unlink()
    del paths["purchase_invoices"]
    # every document is posted in the ledger transaction it names
    d = Decimal
    books.post(
        paths,
        "BNC",
        "TX-FV1",
        "2025-07-15",
        [
            ("4111", "C1", "0", d("358.73"), d(0)),
            ("707", "C1", "0", d(0), d("306.17")),
            ("4427", "C1", "0", d(0), d("52.56")),
        ],
    )
    books.post(
        paths,
        "BNC",
        "TX-NC7",
        "2025-07-15",
        [("707", "C2", "0", d(100), d(0)), ("4427", "C2", "0", d(19), d(0)), ("4111", "C2", "0", d(0), d(119))],
    )
    books.post(
        paths,
        "BNC",
        "TX-OP15",
        "2025-07-20",
        [("5121", "C1", "0", d(190), d(0)), ("4111", "C1", "0", d(0), d(200)), ("4111", "C1", "0", d(10), d(0))],
    )

    result = make_generator().generate(request(), ExportFiles(paths, "csv"))
    ns = NS_PRODUCTION
    path = store.path(result.key)
    assert result.xsd_valid and saft_schema.validate_file(path, ns) == []
    root = etree.parse(str(path)).getroot()
    assert _totals(_section(root, ns, "SalesInvoices"), ns) == ("2", "100.00", "306.17")
    assert _totals(_section(root, ns, "PurchaseInvoices"), ns) == ("0", "0.00", "0.00")
    assert _totals(_section(root, ns, "Payments"), ns) == ("1", "10.00", "200.00")
    inv = root.findall(f".//{{{ns}}}Invoice")
    assert inv[0].findtext(f"{{{ns}}}InvoiceNo") == "FV <1> & Co"
    assert inv[0].findtext(f"{{{ns}}}InvoiceLine/{{{ns}}}Description") == "Țiglă ceramică ȘI accesorii <mix> & montaj"
    assert [e.text for e in inv[0].iter(f"{{{ns}}}Quantity")] == ["2.5", "1.123456"]
    totals = inv[0].findall(f"{{{ns}}}InvoiceDocumentTotals/{{{ns}}}TaxInformationTotals")
    assert [
        (
            t.findtext(f"{{{ns}}}TaxCode"),
            t.findtext(f"{{{ns}}}TaxBase"),
            t.findtext(f"{{{ns}}}TaxAmount/{{{ns}}}Amount"),
        )
        for t in totals
    ] == [("310309", "250.00", "47.50"), ("310310", "56.17", "5.06")]
    assert inv[1].findtext(f"{{{ns}}}InvoiceType") == "381"
    assert inv[1].findtext(f"{{{ns}}}InvoiceLine/{{{ns}}}DebitCreditIndicator") == "D"
    assert inv[1].findtext(f"{{{ns}}}InvoiceDocumentTotals/{{{ns}}}GrossTotal") == "-119.00"
    pay_lines = root.findall(f".//{{{ns}}}PaymentLine")
    assert [
        (p.findtext(f"{{{ns}}}DebitCreditIndicator"), p.findtext(f"{{{ns}}}PaymentLineAmount/{{{ns}}}Amount"))
        for p in pay_lines
    ] == [("C", "200.00"), ("D", "10.00")]
    assert pay_lines[0].findtext(f"{{{ns}}}SourceDocumentID") == "FV <1> & Co"
    assert root.findtext(f".//{{{ns}}}Payment/{{{ns}}}Description") == "Încasare parțială"
    assert b"FV &lt;1&gt; &amp; Co" in path.read_bytes()


def _mutate(paths, kind, fn):
    rows = _rows(paths[kind])
    fn(rows)
    _write(paths[kind], rows)


def _second_line_of(rows, invoice_no):
    return [r for r in rows if r["invoice_no"] == invoice_no][1]  # the sample's every fifth invoice has two lines


@pytest.mark.parametrize(
    ("kind", "mutate", "code", "text"),
    [
        (
            "sales_invoices",
            lambda rows: [r.update(invoice_date="2025-08-01") for r in rows if r["invoice_no"] == "FV-1"],
            "outside_period",
            "invoice date 2025-08-01 outside",
        ),
        ("sales_invoices", lambda rows: rows[0].update(amount="1.00"), "invoice_totals", "net_total is"),
        ("sales_invoices", lambda rows: rows[0].update(tax_amount="0.01"), "invoice_totals", "gross_total"),
        (
            "sales_invoices",
            lambda rows: rows[0].update(line_account_id="7999"),
            "unknown_account",
            "unknown account 7999",
        ),
        ("sales_invoices", lambda rows: rows[0].update(account_id="4999"), "unknown_account", "unknown account 4999"),
        (
            "sales_invoices",
            lambda rows: [r.update(party_id="C9") for r in rows[:1]],
            "unknown_customer",
            "unknown customer C9",
        ),
        ("sales_invoices", lambda rows: rows[0].update(tax_code="319999"), "unknown_tax_code", "300/319999"),
        ("sales_invoices", lambda rows: rows.append(dict(rows[0], line_number="9")), "duplicate_document", "FV-1"),
        (
            "sales_invoices",
            lambda rows: _second_line_of(rows, "FV-5").update(gross_total="1.00"),
            "inconsistent_document",
            "line 2: invoice columns",
        ),
        ("sales_invoices", lambda rows: rows[0].update(quantity="1.1234567"), "bad_row", "quantity"),
        ("sales_invoices", lambda rows: rows[0].update(debit_credit="X"), "bad_row", "debit_credit"),
        ("sales_invoices", lambda rows: rows[0].pop("gross_total"), "bad_row", "gross_total: required"),
        (
            "sales_invoices",
            lambda rows: rows[0].update(description="rând \x07 greșit"),
            "bad_row",
            "control characters",
        ),
        ("purchase_invoices", lambda rows: rows[0].update(party_id="S9"), "unknown_supplier", "unknown supplier S9"),
        ("payments", lambda rows: rows[0].update(debit="5.00"), "both_sides", "both debit and credit"),
        ("payments", lambda rows: rows[0].update(debit="0", credit="0"), "no_amount", "neither debit nor credit"),
        (
            "payments",
            lambda rows: rows[0].update(payment_date="2025-06-30"),
            "outside_period",
            "payment date 2025-06-30",
        ),
        ("payments", lambda rows: rows[0].update(customer_id="C9"), "unknown_customer", "unknown customer C9"),
        ("payments", lambda rows: rows[0].update(account_id="5999"), "unknown_account", "unknown account 5999"),
        ("payments", lambda rows: rows[0].pop("payment_method"), "bad_row", "payment_method: required"),
    ],
)
def test_bad_documents_are_refused_with_clear_findings(tmp_path, make_generator, store, kind, mutate, code, text):
    paths = write_sample_export(tmp_path / "exp", lines=30)
    _mutate(paths, kind, mutate)
    with pytest.raises(PayloadError) as info:
        make_generator().generate(request(), ExportFiles(paths))
    errors = [e for e in info.value.errors if e["type"] == code]
    assert errors, info.value.errors
    assert any(text in e["msg"] for e in errors), errors
    assert all(e["loc"][1].startswith(kind) for e in errors)  # the finding says where: kind and document
    assert info.value.code == "saft_checks_failed"
    assert not any(store.root.rglob("*.xml"))  # nothing generated


def test_cli_sample_shows_documents(tmp_path):
    runner = CliRunner()
    out = runner.invoke(cli, ["sample", str(tmp_path / "exp")])
    assert out.exit_code == 0 and "sales_invoices:" in out.output and "payments:" in out.output
    assert set(KINDS) == {p.stem for p in (tmp_path / "exp").iterdir()}


_DATES = {"transaction_date", "invoice_date", "tax_point_date", "payment_date"}


def _sql_row(r: dict) -> dict:
    return {k: None if v == "" else dt.date.fromisoformat(v) if k in _DATES else v for k, v in r.items()}


def _load_sql(engine, tables, paths) -> None:
    from sqlalchemy import insert

    with engine.begin() as conn:
        for kind in KINDS:
            rows = [_sql_row(r) for r in _rows(paths[kind])]
            for company in ("C-1", "C-2"):
                conn.execute(insert(getattr(tables, kind)), [dict(r, company_id=company) for r in rows])
        # another month's documents of the same company stay out of June's declaration
        july = _sql_row(
            dict(
                _rows(paths["sales_invoices"])[0],
                invoice_no="FV-JUL",
                invoice_date="2025-08-02",
                tax_point_date="2025-08-02",
            )
        )
        conn.execute(insert(tables.sales_invoices), [dict(july, company_id="C-1")])
        paid = _sql_row(dict(_rows(paths["payments"])[0], payment_ref="P-JUL", payment_date="2025-08-03"))
        conn.execute(insert(tables.payments), [dict(paid, company_id="C-1")])


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_sql_source_streams_documents(request_backend_url, tmp_path, make_generator, store, backend):
    from sqlalchemy import create_engine

    from anaf_saft.sources import SqlSource
    from anaf_saft.sql import SqlTables

    engine = create_engine(request_backend_url(backend))
    tables = SqlTables(prefix=f"d{os.getpid()}_")
    tables.metadata.create_all(engine)
    try:
        paths = write_sample_export(tmp_path / "exp", lines=30)
        _load_sql(engine, tables, paths)
        req = request(source={"kind": "sql", "company_id": "C-1"})
        source = SqlSource(engine, "C-1", req.period.first_day, req.period.last_day, tables)
        result = make_generator().generate(req, source)
        export = make_generator().generate(request(), ExportFiles(paths))
        assert result.xsd_valid and result.lines == 38  # 30 invoice postings + 4 bank postings of the payments
        assert result.documents == export.documents  # same sections as from the export files, July left out
        assert result.documents["sales_invoices"].entries == 5 and result.documents["payments"].entries >= 2
        root = etree.fromstring(store.get(result.key))
        ns = NS_PRODUCTION
        assert "FV-JUL" not in {e.text for e in root.iter(f"{{{ns}}}InvoiceNo")}
        assert "Mărfuri vândute conform contractului" in {e.text for e in root.iter(f"{{{ns}}}Description")}
    finally:
        tables.metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture
def request_backend_url(tmp_path, request):
    def _url(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / 'erp.sqlite'}"
        return request.getfixturevalue("database_url").replace("postgresql://", "postgresql+psycopg://", 1)

    return _url


class _ShrinkingSource:
    """An export whose payments lose their last document after the first read (an ERP writing meanwhile)."""

    def __init__(self, files: ExportFiles):
        self.files = files
        self.reads = 0

    def rows(self, kind):
        rows = list(self.files.rows(kind))
        if kind == "payments":
            self.reads += 1
            if self.reads > 1:
                rows = [r for r in rows if r["payment_ref"] != rows[-1]["payment_ref"]]
        return iter(rows)


def test_documents_that_change_between_passes_fail_the_write(tmp_path, make_generator, store):
    paths = write_sample_export(tmp_path / "exp", lines=30)
    with pytest.raises(SaftSourceChangedError, match="payments changed between the check pass and the write pass"):
        make_generator().generate(request(), _ShrinkingSource(ExportFiles(paths)))
    assert not any(store.root.rglob("*.xml"))
