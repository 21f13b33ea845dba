"""Declarant, partner and transport organiser CUIs: check digit verified on every path before anything is uploaded."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from lxml import etree

from anaf_etransport.document import build_xml
from anaf_etransport.models import Declaration
from anaf_etransport.parties import party_code_problems
from tests.anaf_etransport import samples
from tests.fakes.anaf.etransport import book

# 12345674 and 4221306 are valid CUIs; the same bodies with another last digit are not.
BAD_DECLARANT = "12345675"
BAD_PARTNER = "4221307"


def _decl(declarant: str = "12345674", partner: str = "4221306", carrier: str = "12345674") -> dict:
    d = samples.domestic()
    d["declarant_code"] = declarant
    d["document"]["partner"]["code"] = partner
    d["document"]["transport"]["carrier_code"] = carrier
    return d


def _xml(**codes: str) -> bytes:
    return build_xml(Declaration.model_validate(_decl(**codes)))


@pytest.mark.parametrize(
    ("codes", "where"),
    [
        ({"declarant": BAD_DECLARANT}, "/eTransport/@codDeclarant"),
        ({"partner": BAD_PARTNER}, "/eTransport/notificare/partenerComercial/@cod"),
        ({"carrier": "12345670"}, "/eTransport/notificare/dateTransport/@codOrgTransport"),
    ],
)
def test_each_party_cui_with_a_wrong_check_digit_is_named(codes, where):
    problems = party_code_problems(etree.fromstring(_xml(**codes)))
    assert [p.location for p in problems] == [where]
    assert "wrong check digit" in problems[0].message


@pytest.mark.parametrize("partner", ["PF", "1960229460018"])
def test_codes_that_are_not_cuis_or_are_valid_pass(partner):
    assert party_code_problems(etree.fromstring(_xml(partner=partner))) == []


def test_foreign_partner_codes_are_not_romanian_cuis():
    xml = build_xml(Declaration.model_validate(samples.intra_eu_acquisition()))
    assert party_code_problems(etree.fromstring(xml)) == []


def test_official_artefacts_alone_accept_a_wrong_check_digit_ours_do_not(etr_validator):
    xml = _xml(partner=BAD_PARTNER)
    findings = etr_validator.validate(xml)
    assert [(f.source, f.rule, f.fatal) for f in findings if f.fatal] == [("checks", "CUI", True)]
    cui = next(f for f in findings if f.rule == "CUI")
    assert "4221307" in cui.message and "expected 4221306" in cui.message


def test_cli_build_and_validate_refuse_a_bad_cui(tmp_path, monkeypatch):
    from anaf_etransport.cli import cli

    runner = CliRunner()
    decl = tmp_path / "decl.json"
    decl.write_text(json.dumps(_decl(declarant=BAD_DECLARANT)))
    built = runner.invoke(cli, ["build", str(decl)])
    assert built.exit_code == 1 and "checks CUI" in built.stderr
    xml = tmp_path / "decl.xml"
    xml.write_bytes(_xml(carrier="12345670"))
    checked = runner.invoke(cli, ["validate", str(xml)])
    assert checked.exit_code == 1 and "checks CUI" in checked.output and "12345670" in checked.output
    monkeypatch.setenv("WORKERS_CORE_SCHEMAS_DIR", str(tmp_path / "empty"))  # a partial check still verifies CUIs
    partial = runner.invoke(cli, ["validate", str(xml), "--allow-partial"])
    assert partial.exit_code == 1 and "PARTIAL" in partial.output and "12345670" in partial.output


def test_submit_refuses_bad_cuis_from_json_and_raw_xml(start_worker, celery_client, etr_env, fake_anaf):
    start_worker("anaf.etransport", env=etr_env)
    bad_json = celery_client.send_task("etransport.submit", kwargs={"declaration": _decl(partner=BAD_PARTNER)})
    raw = _xml(declarant=BAD_DECLARANT).decode("utf-8")
    bad_xml = celery_client.send_task("etransport.submit", kwargs={"xml": raw, "cif": "12345674"})
    for r in (bad_json, bad_xml):
        r.get(timeout=60, propagate=False)
        assert r.state == "FAILURE"
        err = r.result.args[0]
        assert err["code"] == "etransport_invalid" and "CUI" in str(err["errors"])
    assert book(fake_anaf.state).uploads() == []
