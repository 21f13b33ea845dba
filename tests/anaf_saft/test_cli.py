"""``workers-core saft`` commands: sample -> generate -> validate, without a broker."""

from __future__ import annotations

import json

from click.testing import CliRunner

from anaf_saft.cli import cli
from anaf_saft.sample import SAMPLE_COMPANY


def test_sample_generate_validate(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["sample", str(tmp_path / "exp"), "--lines", "9", "--format", "csv"]).exit_code == 0
    req = tmp_path / "req.json"
    req.write_text(
        json.dumps(
            {
                "company": SAMPLE_COMPANY,
                "period": {"year": 2025, "start_month": 7, "end_month": 7},
                "period_type": "L",
                "test": True,
            }
        )
    )
    gen = runner.invoke(
        cli, ["generate", str(req), "--export-dir", str(tmp_path / "exp"), "--out", str(tmp_path / "out")]
    )
    assert gen.exit_code == 0, gen.output
    result = json.loads(gen.stdout[gen.stdout.index("{\n") :])  # log lines may precede the JSON
    assert result["xsd_valid"] is True and result["validated_with"] == [{"name": "saft-d406", "version": "2.4.8"}]
    path = tmp_path / "out" / result["key"]
    assert (
        result["documents"]["sales_invoices"]["entries"] == 2
        and result["documents"]["purchase_invoices"]["entries"] == 1
    )
    assert b"<SalesInvoices><NumberOfEntries>2</NumberOfEntries>" in path.read_bytes()
    ok = runner.invoke(cli, ["validate", str(path)])
    assert ok.exit_code == 0 and "XSD: valid" in ok.output and "not configured" in ok.output
    path.write_bytes(path.read_bytes().replace(b"<HeaderComment>L</HeaderComment>", b""))
    bad = runner.invoke(cli, ["validate", str(path)])
    assert bad.exit_code == 1 and "INVALID" in bad.output
    (tmp_path / "exp" / "lines.csv").write_text("journal_id,transaction_id\nX,1\n")
    refused = runner.invoke(
        cli, ["generate", str(req), "--export-dir", str(tmp_path / "exp"), "--out", str(tmp_path / "o2")]
    )
    assert refused.exit_code == 1 and "saft_checks_failed" in refused.output
