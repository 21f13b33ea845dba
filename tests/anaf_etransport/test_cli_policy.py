"""Operator commands (no broker), published JSON Schemas kept current, and the declaration policy helper."""

from __future__ import annotations

import importlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from anaf_etransport.policy import DeclarationPolicy, Shipment, declaration_policy
from tests.anaf_etransport import samples

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("package", ["anaf_etransport", "anaf_saft", "reges"])
def test_published_json_schemas_are_current(package):
    module = importlib.import_module(f"{package}.cli")
    for name, model in module.SCHEMAS.items():
        path = REPO / package / "schemas" / name
        assert path.is_file(), f"{path} missing: run `workers-core {package} schema`"
        assert json.loads(path.read_text(encoding="utf-8")) == model.model_json_schema(), f"{path} is stale"


def test_build_and_validate_commands(tmp_path):
    from anaf_etransport.cli import cli

    runner = CliRunner()
    decl = tmp_path / "decl.json"
    decl.write_text(json.dumps(samples.domestic()))
    built = runner.invoke(cli, ["build", str(decl)])
    assert built.exit_code == 0, built.output
    xml = tmp_path / "decl.xml"
    xml.write_text(built.stdout)
    ok = runner.invoke(cli, ["validate", str(xml)])
    assert ok.exit_code == 0 and "0 fatal" in ok.output and "BT-TY-001" in ok.output
    assert "etransport-xsd v2 20230126, etransport-schematron 2.0.2" in ok.output
    xml.write_text(built.stdout.replace('codTara="RO"', 'codTara="DE"'))
    bad = runner.invoke(cli, ["validate", str(xml)])
    assert bad.exit_code == 1 and "BR-005" in bad.output
    broken = samples.domestic()
    broken["document"]["goods"][0]["gross_weight_kg"] = "1"
    decl.write_text(json.dumps(broken))
    refused = runner.invoke(cli, ["build", str(decl)])
    assert refused.exit_code == 1 and "BR-020" in refused.output


@pytest.mark.parametrize(
    ("shipment", "required", "suite_files"),
    [
        ({"destination_country": "DE", "gross_weight_kg": 600, "value_ron": 5000}, True, False),
        ({"destination_country": "DE", "gross_weight_kg": 100, "value_ron": 20000}, True, True),
        ({"destination_country": "DE", "gross_weight_kg": 400, "value_ron": 9000}, False, False),
        ({"gross_weight_kg": 5000, "value_ron": 50000}, False, False),
        ({"gross_weight_kg": 5000, "value_ron": 50000, "high_risk_goods": True}, True, True),
        ({"gross_weight_kg": 501, "value_ron": 100, "high_risk_goods": True}, True, False),
        (
            {"destination_country": "HU", "gross_weight_kg": 900, "value_ron": 90000, "vehicle_max_mass_kg": 2400},
            False,
            False,
        ),
        ({"origin_country": "TR", "gross_weight_kg": 10000, "value_ron": 10000.01}, True, True),
    ],
)
def test_declaration_policy(shipment, required, suite_files):
    d = declaration_policy(Shipment.model_validate(shipment))
    assert (d.required, d.suite_files, d.gap) == (required, suite_files, required and not suite_files)
    assert d.reasons


def test_policy_thresholds_are_strictly_above():
    s = Shipment(destination_country="DE", gross_weight_kg=Decimal(500), value_ron=Decimal(10000))
    assert declaration_policy(s).required is False
    assert DeclarationPolicy(gross_mass_limit_kg=Decimal(499)).decide(s).required is True
