"""CNP structure (century, date, county, sequence, control digit) and employee data contradicting it."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from reges.cnp import cnp_contradictions, cnp_problem, parse_cnp
from reges.models import RegesSubmitRequest
from tests.reges import samples


def _with_control(first12: str) -> str:
    total = sum(int(a) * int(b) for a, b in zip(first12, "279146358279", strict=True)) % 11
    return first12 + str(1 if total == 10 else total)


def test_a_cnp_says_sex_birth_date_and_county():
    cnp = parse_cnp(samples.INFO["cnp"])
    assert (cnp.sex, cnp.birth_date, cnp.county) == ("M", dt.date(1996, 5, 29), "46")
    girl = parse_cnp(_with_control("625010270001"))
    assert (girl.sex, girl.birth_date, girl.county) == ("F", dt.date(2025, 1, 2), "70")
    resident = parse_cnp(_with_control("880010140001"))
    assert (resident.sex, resident.birth_date, resident.birth_yymmdd) == ("F", None, "800101")


@pytest.mark.parametrize(
    ("cnp", "marker"),
    [
        ("0960529460012", "first (sex and century) digit"),
        (_with_control("196022946001"), "not a date in 1900-1999"),  # 29 Feb 1996 is fine ...
        (_with_control("197022946001"), "not a date in 1900-1999"),  # ... 29 Feb 1997 is not
        (_with_control("196052949001"), "county code 49"),
        (_with_control("196052900001"), "county code 00"),
        (_with_control("196052946000"), "sequence number"),
        ("1960529460013", "control digit must be 2"),
    ],
)
def test_malformed_cnps_name_the_wrong_part(cnp, marker):
    if cnp == _with_control("196022946001"):
        assert cnp_problem(cnp) is None
        return
    problem = cnp_problem(cnp)
    assert problem is not None and marker in problem


def test_contradictions_are_named():
    cnp = parse_cnp(samples.INFO["cnp"])
    assert cnp_contradictions(cnp, birth_date=dt.date(1996, 5, 29), sex="M") == []
    [wrong_date] = cnp_contradictions(cnp, birth_date=dt.date(1996, 5, 30))
    assert "birth_date 1996-05-30 contradicts CNP 1960529460012, which encodes 1996-05-29" == wrong_date
    [wrong_sex] = cnp_contradictions(cnp, sex="F")
    assert "sex F contradicts CNP" in wrong_sex
    resident = parse_cnp(_with_control("778010140001"))
    assert cnp_contradictions(resident, birth_date=dt.date(2078, 1, 1), sex="M") == []
    assert cnp_contradictions(resident, birth_date=dt.date(1978, 1, 2))


@pytest.mark.parametrize(
    ("info", "marker"),
    [
        ({"birth_date": "1996-05-30"}, "contradicts CNP"),
        ({"sex": "F"}, "sex F contradicts CNP"),
        ({"cnp": _with_control("196052949001")}, "county code 49"),
        ({"cnp": _with_control("610022946001")}, "not a date in 2000-2099"),
    ],
)
def test_employee_messages_contradicting_the_cnp_are_refused(info, marker):
    message = {**samples.ALL["InregistrareSalariat"], "info": {**samples.INFO, **info}}
    with pytest.raises(ValidationError) as raised:
        RegesSubmitRequest.model_validate({"employer_cui": "18547290", "message": message})
    assert marker in str(raised.value)


def test_consistent_employee_with_sex_is_accepted_and_sex_is_not_sent():
    from reges.message import build_xml

    message = {**samples.ALL["InregistrareSalariat"], "info": {**samples.INFO, "sex": "M"}}
    req = RegesSubmitRequest.model_validate({"employer_cui": "18547290", "message": message})
    assert req.message.info.sex == "M"
    assert b"Sex" not in build_xml(req.message, "117f9b03-9efb-4f5a-8ebb-7ab3b0c792ae")
