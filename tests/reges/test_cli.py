"""``workers-core reges`` commands: build (XML/JSON) and validate, without a broker."""

from __future__ import annotations

import json

from click.testing import CliRunner

from reges.cli import cli
from tests.reges import samples


def test_build_and_validate_both_forms(tmp_path):
    runner = CliRunner()
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"employer_cui": "18547290", "message": samples.ALL["IncetareContract"]}))
    for fmt, name in (("xml", "m.xml"), ("json", "m.json")):
        built = runner.invoke(cli, ["build", str(req), "--format", fmt])
        assert built.exit_code == 0, built.output
        (tmp_path / name).write_text(built.stdout)
        checked = runner.invoke(cli, ["validate", str(tmp_path / name)])
        assert checked.exit_code == 0 and "valid" in checked.output
    broken = json.loads((tmp_path / "m.json").read_text())
    broken["actiune"]["temeiLegal"] = "NuExista"
    (tmp_path / "bad.json").write_text(json.dumps(broken))
    bad = runner.invoke(cli, ["validate", str(tmp_path / "bad.json")])
    assert bad.exit_code == 1 and "TemeiLegal" in bad.output


def test_schema_prints_each_task_payload():
    runner = CliRunner()
    proposals = runner.invoke(cli, ["schema", "--task", "proposals"])
    assert proposals.exit_code == 0 and "kinds" in json.loads(proposals.stdout)["properties"]
    submit = runner.invoke(cli, ["schema"])
    assert submit.exit_code == 0 and "message" in json.loads(submit.stdout)["properties"]
