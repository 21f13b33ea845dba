"""Accounting checks before any XML is written: each one passes on the sample and fails on a crafted bad export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from anaf_saft.checks import check
from anaf_saft.models import SaftRequest
from anaf_saft.sample import SAMPLE_COMPANY, write_sample_export
from anaf_saft.sources import ExportFiles
from anaf_saft.taxes import rate_problem
from shared.errors import PayloadError
from tests.anaf_saft import books

D = Decimal


def _request() -> SaftRequest:
    return SaftRequest.model_validate(
        {
            "company": SAMPLE_COMPANY,
            "period": {"year": 2025, "start_month": 7, "end_month": 7},
            "period_type": "L",
            "source": {"kind": "export", "accounts": "a", "lines": "l"},
        }
    )


def _findings(paths, fmt="jsonl"):
    plan = check(_request(), ExportFiles(paths, fmt), max_lines_per_segment=10**6)
    return [(f.rule, f.location, f.message) for f in plan.findings]


def _rules(paths):
    return {rule for rule, _, _ in _findings(paths)}


@pytest.fixture
def paths(tmp_path):
    return write_sample_export(tmp_path / "exp", lines=30)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("documents", [True, False])
def test_the_sample_passes_every_accounting_check(tmp_path, fmt, documents):
    exported = write_sample_export(tmp_path / "exp", lines=60, fmt=fmt, documents=documents)
    assert _findings(exported, fmt) == []


def test_opening_and_closing_trial_balances_must_balance(paths):
    books.shift(paths, "accounts", "account_id", "5121", D(100), sides=("opening", "closing"))
    found = [(r, loc) for r, loc, _ in _findings(paths)]
    assert found == [("trial_balance", "accounts opening"), ("trial_balance", "accounts closing")]
    assert "debit balances 70100.00" in _findings(paths)[0][2] and "difference 100.00" in _findings(paths)[0][2]


def test_each_account_rolls_forward(paths):
    books.shift(paths, "accounts", "account_id", "371", D(50), sides=("closing",))
    books.shift(
        paths, "accounts", "account_id", "1012", D(-50), sides=("closing",)
    )  # the closing balance still balances
    found = _findings(paths)
    assert [(r, loc) for r, loc, _ in found] == [
        ("balance", "accounts account=1012"),
        ("balance", "accounts account=371"),
    ]
    assert "account 371: opening 17000.00 + movements" in found[1][2]


def test_each_partner_rolls_forward(paths):
    books.shift(paths, "customers", "party_id", "C1", D(10), sides=("closing",))
    books.shift(paths, "customers", "party_id", "C2", D(-10), sides=("closing",))  # 4111 still equals the sum
    found = _findings(paths)
    assert [(r, loc) for r, loc, _ in found] == [
        ("partner_balance", "customers party=C1"),
        ("partner_balance", "customers party=C2"),
    ]
    assert found[0][2].startswith("customer C1 on account 4111: opening 1000.00 + movements")


def test_control_accounts_equal_the_sum_of_their_partners(paths):
    books.shift(paths, "suppliers", "party_id", "S1", D(-25), sides=("opening", "closing"))  # S1 rolls forward
    found = _findings(paths)
    assert [(r, loc) for r, loc, _ in found] == [("control_account", "accounts account=401")] * 2
    assert (
        "control account 401: opening balance -1000.00 != sum of its partners' opening balances -1025.00" in found[0][2]
    )


def test_control_account_lines_need_their_partner(paths):
    books.post(paths, "BNC", "B-ANON", "2025-07-30", [("5121", "0", "0", D(5), D(0)), ("4111", "0", "0", D(0), D(5))])
    found = _findings(paths)
    assert ("control_without_partner", "lines journal=BNC transaction=B-ANON") in [(r, loc) for r, loc, _ in found]
    assert any("record B-ANON.2 moves partner control account 4111 without a customer" in m for _, _, m in found)
    assert ("control_account", "accounts account=4111") in [(r, loc) for r, loc, _ in found]


def _edit(paths, kind, key, value, **changes):
    data = books.rows(paths[kind])
    for r in data:
        if r[key] == value:
            r.update(changes)
    books.write(paths[kind], data)


@pytest.mark.parametrize(
    ("changes", "rule", "text"),
    [
        ({"transaction_id": ""}, "document_unlinked", "payment INC-1 names no ledger transaction"),
        (
            {"transaction_id": "B404"},
            "document_not_in_ledger",
            "payment INC-1: transaction B404 is not in the general ledger",
        ),
        (
            {"transaction_id": "B7"},
            "document_ledger_mismatch",
            "payment INC-1, payment INC-7: partner control accounts should move",
        ),
    ],
)
def test_payments_reconcile_with_the_ledger(paths, changes, rule, text):
    _edit(paths, "payments", "payment_ref", "INC-1", **changes)
    found = [(r, m) for r, _, m in _findings(paths) if r.startswith("document")]
    assert len(found) == 1 and found[0][0] == rule and text in found[0][1]


def test_a_payment_with_another_amount_than_its_posting_is_named(paths):
    _edit(paths, "payments", "payment_ref", "INC-1", credit="1.00")
    found = [(r, loc, m) for r, loc, m in _findings(paths) if r == "document_ledger_mismatch"]
    assert found == [
        (
            "document_ledger_mismatch",
            "lines transaction=B1",
            "payment INC-1: partner control accounts should move -1.00 in transaction B1, the ledger moves -163.03",
        )
    ]


def test_invoices_reconcile_with_the_ledger(paths):
    _edit(paths, "sales_invoices", "invoice_no", "FV-3", transaction_id="T1")  # FV-3 claims FV-1's posting
    found = [(r, loc, m) for r, loc, m in _findings(paths) if r.startswith("document")]
    assert [(r, loc) for r, loc, _ in found] == [("document_ledger_mismatch", "lines transaction=T1")]
    assert found[0][2].startswith("customer invoice FV-1, customer invoice FV-3: partner control accounts should move")


def _add_tax_code(paths, code, pct):
    taxes = books.rows(paths["tax_codes"])
    books.write(
        paths["tax_codes"],
        [
            *taxes,
            {
                "tax_type": "300",
                "tax_code": code,
                "description": f"TVA {pct}%",
                "percentage": str(pct),
                "base_rate": "1",
            },
        ],
    )


def test_a_vat_rate_not_in_force_on_the_line_date_is_refused(paths):
    _add_tax_code(paths, "310399", 21)  # 21% only from 1.08.2025
    _edit(paths, "lines", "record_id", "1.2", tax_code="310399")
    _edit(paths, "sales_invoices", "invoice_no", "FV-3", tax_code="310399", tax_percentage="")
    found = [(r, loc, m) for r, loc, m in _findings(paths) if r.startswith("tax")]
    assert [(r, loc) for r, loc, _ in found] == [
        ("tax_rate", "sales_invoices invoice=FV-3 customer=C1"),
        ("tax_rate", "lines journal=VZ transaction=T1"),
    ]
    assert "line 1: tax code 310399: VAT rate 21% was not in force on 2025-07-04" in found[0][2]
    assert "record 1.2: tax code 310399: VAT rate 21% was not in force on 2025-07-02" in found[1][2]


def test_a_known_tax_code_with_another_rate_is_refused(paths):
    _edit(paths, "tax_codes", "tax_code", "310309", percentage="21")
    found = [(r, loc, m) for r, loc, m in _findings(paths) if r == "tax_code_rate"]
    assert found == [
        (
            "tax_code_rate",
            "tax_codes code=310309",
            "tax code 310309 is the 19% code of the ANAF nomenclature, the tax table gives it 21%",
        )
    ]


@pytest.mark.parametrize(
    ("rate", "day", "verdict"),
    [
        (19, dt.date(2025, 7, 31), None),
        (21, dt.date(2025, 7, 31), True),
        (21, dt.date(2025, 8, 1), None),
        (11, dt.date(2026, 1, 5), None),
        (5, dt.date(2025, 7, 31), None),
        (5, dt.date(2025, 8, 1), True),
        (19, dt.date(2025, 8, 1), True),
        (9, dt.date(2025, 9, 1), False),
        (0, dt.date(2026, 1, 1), None),
        (24, dt.date(2021, 12, 31), None),
    ],
)
def test_vat_rates_by_date(rate, day, verdict):
    problem = rate_problem(D(rate), day)
    assert (problem[0] if problem else None) is verdict


def _add_account(paths, account_id, description, kind):
    accounts = books.rows(paths["accounts"])
    books.write(
        paths["accounts"],
        [
            *accounts,
            {
                "account_id": account_id,
                "description": description,
                "account_type": kind,
                "opening_debit": "0",
                "opening_credit": "0",
                "closing_debit": "0",
                "closing_credit": "0",
            },
        ],
    )


def test_revenue_with_a_debit_balance_is_flagged_but_not_709(paths):
    _add_account(paths, "709", "Reduceri comerciale acordate", "Activ")
    books.post(paths, "BNC", "B-709", "2025-07-30", [("709", "0", "0", D(50), D(0)), ("5121", "0", "0", D(0), D(50))])
    assert _findings(paths) == []
    books.post(
        paths, "BNC", "B-707", "2025-07-31", [("707", "0", "0", D(999999), D(0)), ("5121", "0", "0", D(0), D(999999))]
    )
    found = _findings(paths)
    assert [(r, loc) for r, loc, _ in found] == [("revenue_debit_balance", "accounts account=707")]
    assert "revenue account 707 (class 7) ends with a debit balance of" in found[0][2]


def test_vat_collected_with_a_debit_balance_is_flagged(paths):
    books.post(
        paths, "BNC", "B-4427", "2025-07-31", [("4427", "0", "0", D(999999), D(0)), ("5121", "0", "0", D(0), D(999999))]
    )
    found = _findings(paths)
    assert [(r, loc) for r, loc, _ in found] == [("vat_collected_debit_balance", "accounts account=4427")]


def test_the_generator_refuses_and_names_what_is_wrong(paths, make_generator):
    books.shift(paths, "customers", "party_id", "C3", D(1), sides=("closing",))
    with pytest.raises(PayloadError) as info:
        make_generator().generate(_request(), ExportFiles(paths))
    assert info.value.code == "saft_checks_failed"
    errors = info.value.errors
    assert {(e["type"], e["loc"][1]) for e in errors} == {
        ("partner_balance", "customers party=C3"),
        ("control_account", "accounts account=4111"),
    }
