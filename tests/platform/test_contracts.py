"""The committed task contracts match the declared workers (callers, the gateway and the SDKs rely on them)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from shared.contracts import CONTRACTS_PATH, contracts_document, load_contracts, render
from shared.contracts.cli import cli


def test_committed_contracts_are_fresh() -> None:
    assert CONTRACTS_PATH.read_text(encoding="utf-8") == render(contracts_document()), (
        "shared/contracts/tasks.json is stale: run `workers-core contracts export --write`"
    )


def test_every_task_has_a_payload_schema_and_its_worker() -> None:
    contracts = load_contracts()
    assert {"efactura.submit", "pdf.render", "email.send", "taxpayer.validate", "saft.generate"} <= set(contracts)
    for name, contract in contracts.items():
        assert contract["payload"]["type"] == "object", name
        assert contract["worker"] and contract["queue"] == contract["worker"], name


def test_sensitive_fields_are_declared_for_email_bodies() -> None:
    assert load_contracts()["email.send"]["sensitive"], "e-mail bodies must be declared sensitive"


def test_check_mode_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "tasks.json"
    stale.write_text(json.dumps({"version": 1, "tasks": {}}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "--check", "--path", str(stale)])
    assert result.exit_code == 1 and "stale" in result.output
    result = CliRunner().invoke(cli, ["export", "--write", "--path", str(stale)])
    assert result.exit_code == 0
    assert CliRunner().invoke(cli, ["export", "--check", "--path", str(stale)]).exit_code == 0
