"""D406 generation: own checks first, streamed XML valid against the official XSD, segments, namespaces, DUK."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from lxml import etree
from pydantic import ValidationError

from anaf_saft.duk import DukValidator, parse_error_file
from anaf_saft.identifiers import partner_id_problem
from anaf_saft.models import SaftRequest
from anaf_saft.sample import SAMPLE_COMPANY, write_sample_export
from anaf_saft.sources import ExportFiles
from anaf_saft.writer import NS_PRODUCTION, NS_TEST
from shared.errors import PayloadError, PermanentError


def request(**changes):
    base = {
        "company": SAMPLE_COMPANY,
        "period": {"year": 2025, "start_month": 7, "end_month": 7},
        "period_type": "L",
        "source": {"kind": "export", "accounts": "unused", "lines": "unused"},
    }
    base.update(changes)
    return SaftRequest.model_validate(base)


@pytest.mark.parametrize(("fmt", "test"), [("jsonl", False), ("csv", True)])
def test_generated_file_is_valid_and_complete(tmp_path, make_generator, store, saft_schema, fmt, test):
    paths = write_sample_export(tmp_path / "exp", lines=30, fmt=fmt, documents=False)
    result = make_generator().generate(request(test=test), ExportFiles(paths, fmt))
    ns = NS_TEST if test else NS_PRODUCTION
    assert result.namespace == ns and result.xsd_valid is True and result.lines == 30 and result.entries == 10
    assert result.total_debit == result.total_credit
    assert result.duk == {"configured": False, "valid": None, "detail": result.duk["detail"], "findings": []}
    assert "not configured" in result.duk["detail"]
    data = store.get(result.key)
    assert hashlib.sha256(data).hexdigest() == result.sha256 and len(data) == result.size
    root = etree.fromstring(data)
    q = lambda p: root.findall(p.replace("/", f"/{{{ns}}}").replace("{x}", ""), None)  # noqa: E731
    assert root.tag == f"{{{ns}}}AuditFile"
    assert root.findtext(f"{{{ns}}}Header/{{{ns}}}HeaderComment") == "L"
    assert len(root.findall(f".//{{{ns}}}TransactionLine")) == 30
    assert root.findtext(f".//{{{ns}}}GeneralLedgerEntries/{{{ns}}}NumberOfEntries") == "10"
    assert len(root.findall(f".//{{{ns}}}Customer")) == 3 and q is not None
    # the other namespace's schema refuses it: the namespace really is production vs test
    other = saft_schema._schemas[NS_PRODUCTION if test else NS_TEST]
    assert not other.validate(etree.ElementTree(root))


def test_segments_cut_at_transaction_boundaries(tmp_path, make_generator, store):
    paths = write_sample_export(tmp_path / "exp", lines=30, documents=False)
    result = make_generator(max_lines=10).generate(request(), ExportFiles(paths))
    assert [s.lines for s in result.segments] == [9, 9, 9, 3]
    assert result.xsd_valid
    for seg in result.segments:
        root = etree.fromstring(store.get(seg.key))
        ns = {"s": NS_PRODUCTION}
        assert root.findtext("s:Header/s:SegmentIndex", namespaces=ns) == str(seg.index)
        assert root.findtext("s:Header/s:TotalSegmentsInsequence", namespaces=ns) == "4"
        accounts = root.findall("s:MasterFiles/s:GeneralLedgerAccounts/s:Account", ns)
        assert len(accounts) == (8 if seg.index == 1 else 0)  # the first segment carries the master files


def _mutate_lines(paths, fn):
    rows = [json.loads(x) for x in paths["lines"].read_text().splitlines()]
    fn(rows)
    paths["lines"].write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda rows: rows[0].update(debit="1.00"), "unbalanced"),
        (lambda rows: rows[0].update(transaction_date="2025-08-01"), "outside_period"),
        (lambda rows: rows[1].update(account_id="999"), "unknown_account"),
        (lambda rows: rows[0].update(customer_id="NOPE"), "unknown_customer"),
        (lambda rows: rows[0].update(debit="1.234"), "bad_row"),
        (lambda rows: rows[0].update(description="bad \x01 char"), "bad_row"),
        (lambda rows: rows.append(dict(rows[0], journal_id="VZ", transaction_id="T999")), "unordered"),
    ],
)
def test_own_checks_refuse_bad_data_before_writing(tmp_path, make_generator, store, mutate, code):
    paths = write_sample_export(tmp_path / "exp", lines=12)
    _mutate_lines(paths, mutate)
    with pytest.raises(PayloadError) as info:
        make_generator().generate(request(), ExportFiles(paths))
    assert code in {e["type"] for e in info.value.errors}
    assert not any(store.root.rglob("*.xml"))  # nothing generated


def test_company_cui_and_partner_prefixes_are_checked(tmp_path, make_generator):
    paths = write_sample_export(tmp_path / "exp", lines=6)
    lines = paths["customers"].read_text().replace("0014399840", "0014399841")
    paths["customers"].write_text(lines)
    company = {**SAMPLE_COMPANY, "registration_number": "RO18547291"}
    with pytest.raises(PayloadError) as info:
        make_generator().generate(request(company=company), ExportFiles(paths))
    types = {e["type"] for e in info.value.errors}
    assert {"company_cui", "partner_id"} <= types
    assert partner_id_problem("0014399840") is None
    assert "check digit" in (partner_id_problem("0014399841") or "")
    assert partner_id_problem("080000000000001") and partner_id_problem("99123")


def test_hostile_export_files_are_refused(tmp_path, make_generator):
    paths = write_sample_export(tmp_path / "exp", lines=6)
    paths["lines"].write_bytes(b'{"journal_id": "VZ"\n\xff\xfe garbage')
    with pytest.raises(PayloadError) as info:
        make_generator().generate(request(), ExportFiles(paths))
    assert "bad_file" in {e["type"] for e in info.value.errors}


@pytest.mark.parametrize(
    ("period", "ptype", "ok"),
    [
        ({"start_month": 4, "end_month": 6}, "T", True),
        ({"start_month": 5, "end_month": 7}, "T", False),
        ({"start_month": 6, "end_month": 7}, "L", False),
        ({"start_month": 1, "end_month": 12}, "A", True),
        ({"start_month": 2, "end_month": 12}, "A", False),
        ({"start_month": 3, "end_month": 5}, "C", True),
    ],
)
def test_header_comment_matches_the_period(period, ptype, ok):
    if ok:
        assert request(period={"year": 2026, **period}, period_type=ptype).period_type == ptype
    else:
        with pytest.raises(ValidationError):
            request(period={"year": 2026, **period}, period_type=ptype)


def test_xsd_catches_what_the_generator_never_should(tmp_path, saft_schema, make_generator, store):
    paths = write_sample_export(tmp_path / "exp", lines=6)
    result = make_generator().generate(request(), ExportFiles(paths))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        store.get(result.key).replace(
            b"<AccountType>Activ</AccountType>", b"<AccountType>Activ</AccountType><Oops/>", 1
        )
    )
    findings = saft_schema.validate_file(bad, NS_PRODUCTION)
    assert findings and findings[0].fatal and "Oops" in findings[0].message


def _fake_java(tmp_path: Path, err_text: str | None, exit_code: int = 0) -> str:
    """A stand-in for ``java`` that behaves like DUKIntegrator: writes the error file, exits 0 regardless."""
    script = tmp_path / "fake-java"
    body = "" if err_text is None else f"open(argv[-1], 'w').write({err_text!r})\n"
    script.write_text(
        f"#!{sys.executable}\nimport os, sys\nargv = sys.argv\n"
        "assert argv[argv.index('-v') + 1] in ('D406', 'D406T')\n"
        "assert os.path.isfile(argv[-2]) and os.path.dirname(argv[-2]) == os.getcwd()\n"
        f"{body}sys.exit({exit_code})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def _duk_dir(tmp_path: Path) -> Path:
    d = tmp_path / "duk"
    (d / "config").mkdir(parents=True)
    (d / "DUKIntegrator.jar").write_bytes(b"PK fake")
    return d


@pytest.mark.parametrize(
    ("err", "exit_code", "valid", "raises"),
    [
        ("ok\n", 0, True, False),
        ("E: eroare regula X\nW: atentie\n", 0, False, True),
        ("", 0, False, True),
        (None, 0, False, True),
        ("ok\n", 3, True, False),
    ],
)
def test_duk_verdict_comes_from_the_error_file_never_the_exit_code(
    tmp_path, make_generator, err, exit_code, valid, raises
):
    duk = DukValidator(_duk_dir(tmp_path), java=_fake_java(tmp_path, err, exit_code))
    paths = write_sample_export(tmp_path / "exp", lines=6)
    gen = make_generator(duk=duk)
    if raises:
        with pytest.raises(PermanentError) as info:
            gen.generate(request(), ExportFiles(paths))
        assert info.value.code == "saft_duk_rejected"
    else:
        result = gen.generate(request(), ExportFiles(paths))
        assert result.duk["configured"] is True and result.duk["valid"] is valid


def test_parse_error_file():
    assert parse_error_file("ok") == (True, [])
    valid, findings = parse_error_file("F: fatal\nA: avertisment")
    assert valid is False and [f.fatal for f in findings] == [True, False]
    assert parse_error_file("   \n")[0] is None


def test_sql_source_streams_from_postgresql(database_url, tmp_path, make_generator):
    from sqlalchemy import create_engine, insert

    from anaf_saft.sources import SqlSource
    from anaf_saft.sql import SqlTables

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    tables = SqlTables(prefix=f"t{os.getpid()}_")
    tables.metadata.create_all(engine)
    try:
        paths = write_sample_export(tmp_path / "exp", lines=12, documents=False)
        with engine.begin() as conn:
            for kind in ("accounts", "customers", "suppliers", "tax_codes", "uom", "journals", "lines"):
                rows = [json.loads(x) for x in paths[kind].read_text().splitlines()]
                for company in ("C-1", "C-2"):
                    conn.execute(insert(getattr(tables, kind)), [dict(r, company_id=company) for r in rows])
        source = SqlSource(engine, "C-1", request().period.first_day, request().period.last_day, tables)
        result = make_generator().generate(request(source={"kind": "sql", "company_id": "C-1"}), source)
        assert result.lines == 12 and result.xsd_valid
    finally:
        tables.metadata.drop_all(engine)
        engine.dispose()
