"""Contracts paid below the national minimum gross wage in force on their start date are refused (part time pro rata)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from reges.minwage import MINIMUM_WAGES, minimum_wage_on, minimum_wage_problem
from reges.models import RegesSubmitRequest
from tests.reges import samples


def _contract(**content: object) -> dict:
    return {**samples.ALL["AdaugareContract"], "content": {**samples.CONTENT, **content}}


def _submit(message: dict) -> RegesSubmitRequest:
    return RegesSubmitRequest.model_validate({"employer_cui": "18547290", "message": message})


@pytest.mark.parametrize(
    ("day", "amount", "source"),
    [
        (dt.date(2023, 1, 1), 3000, "HG 1447/2022"),
        (dt.date(2023, 9, 30), 3000, "HG 1447/2022"),
        (dt.date(2023, 10, 1), 3300, "HG 900/2023"),
        (dt.date(2024, 7, 1), 3700, "HG 598/2024"),
        (dt.date(2024, 12, 31), 3700, "HG 598/2024"),
        (dt.date(2025, 1, 1), 4050, "HG 1506/2024"),
        (dt.date(2026, 6, 30), 4050, "HG 1506/2024"),
        (dt.date(2026, 7, 1), 4325, "12.03.2026"),
    ],
)
def test_the_dated_table_gives_the_amount_in_force_and_its_source(day, amount, source):
    row = minimum_wage_on(day)
    assert row is not None and row.amount == amount and source in row.source


def test_the_table_is_ordered_and_dates_before_it_are_not_checked():
    assert [r.since for r in MINIMUM_WAGES] == sorted(r.since for r in MINIMUM_WAGES)
    assert minimum_wage_on(dt.date(2022, 12, 31)) is None
    assert minimum_wage_problem(100, dt.date(2022, 12, 31), part_time=False) is None


@pytest.mark.parametrize(
    ("start", "salary", "ok"),
    [
        ("2026-03-02", 4049, False),
        ("2026-03-02", 4050, True),
        ("2026-07-01", 4324, False),
        ("2026-07-01", 4325, True),
        ("2024-12-31", 3700, True),
        ("2025-01-01", 3700, False),
    ],
)
def test_full_time_contract_below_the_minimum_on_its_start_date_is_refused(start, salary, ok):
    message = _contract(contract_date=start, start_date=start, salary=salary)
    if ok:
        assert _submit(message).message.content.salary == salary
        return
    with pytest.raises(ValidationError) as info:
        _submit(message)
    text = str(info.value)
    assert f"salary {salary} RON is below the national minimum gross wage" in text and start in text
    assert ("HG 1506/2024" if start < "2026-07-01" else "12.03.2026") in text


@pytest.mark.parametrize(
    ("working_time", "floor", "below", "enough"),
    [
        ({"norm": "TimpPartial", "hours": 4, "interval": "OrePeZi"}, "2025.00", 2024, 2025),
        ({"norm": "TimpPartial", "hours": 20, "interval": "OrePeSaptamana"}, "2025.00", 2024, 2025),
        ({"norm": "TimpPartial", "hours": 6, "interval": "OrePeZi"}, "3037.50", 3037, 3038),
    ],
)
def test_part_time_minimum_is_pro_rata(working_time, floor, below, enough):
    with pytest.raises(ValidationError) as info:
        _submit(_contract(norm_type="TimpPartial", working_time=working_time, salary=below))
    assert f"minimum gross wage of {floor} RON for a part-time contract" in str(info.value)
    assert _submit(_contract(norm_type="TimpPartial", working_time=working_time, salary=enough))


def test_part_time_monthly_hours_use_the_decisions_monthly_programme():
    assert minimum_wage_problem(2025, dt.date(2025, 3, 1), part_time=True, hours=82.667, interval="OrePeLuna") is None
    problem = minimum_wage_problem(2000, dt.date(2025, 3, 1), part_time=True, hours=82.667, interval="OrePeLuna")
    assert problem is not None and "2025.00 RON" in problem


def test_part_time_without_hours_cannot_be_checked_and_is_refused():
    with pytest.raises(ValidationError) as info:
        _submit(_contract(norm_type="TimpPartial", working_time={"norm": "TimpPartial"}, salary=1000))
    assert "needs working_time.hours" in str(info.value)


def test_hourly_paid_and_oug132_contracts_are_not_monthly_norms():
    assert _submit(_contract(contract_type="ContractIndividualMuncaPlataCuOra", salary=30))
    assert _submit(
        _contract(
            norm_type="NormaOUG132", working_time={"norm": "TimpOUG132", "hours": 4, "interval": "OrePeZi"}, salary=1000
        )
    )


def test_a_salary_change_below_the_minimum_is_refused_too():
    modify = {
        **samples.ALL["ModificareContract"],
        "content": {**samples.ALL["ModificareContract"]["content"], "salary": 3999},
    }
    with pytest.raises(ValidationError, match="below the national minimum"):
        _submit(modify)
