"""No D406 is reported done without the official XSD: refused start, failed task, CLI refuses without it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from anaf_saft.cli import cli
from anaf_saft.sample import SAMPLE_COMPANY, write_sample_export
from shared.artifacts import FilesystemArtifactStore
from tests.schemas.support import deep_readiness_fails, failed_for_schemas, refuses_to_start


def test_production_worker_refuses_to_start_without_schemas(start_worker, tmp_path):
    refuses_to_start(start_worker, "anaf.saft", {}, tmp_path / "empty")


def test_development_worker_reports_nothing_done_without_schemas(start_worker, celery_client, artifact_dir, tmp_path):
    store = FilesystemArtifactStore(artifact_dir)
    paths = write_sample_export(tmp_path / "exp", lines=20, fmt="csv")
    keys = {k: store.put(p.read_bytes(), name=p.name, content_type="text/csv").key for k, p in paths.items()}
    before = {p for p in artifact_dir.rglob("D406*")}
    worker = start_worker(
        "anaf.saft", env={"WORKERS_CORE_ENV": "development", "WORKERS_CORE_SCHEMAS_DIR": str(tmp_path / "empty")}
    )
    deep_readiness_fails(worker)
    payload = {
        "company": SAMPLE_COMPANY,
        "period": {"year": 2025, "start_month": 7, "end_month": 7},
        "period_type": "L",
        "test": True,
        "source": {"kind": "export", "format": "csv", **keys},
    }
    failed_for_schemas(celery_client.send_task("saft.generate", kwargs=payload))
    assert {p for p in artifact_dir.rglob("D406*")} == before, "no D406 file may be stored"


def test_cli_refuses_without_the_xsd_unless_partial_is_asked(tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(cli, ["sample", str(tmp_path / "exp"), "--lines", "9"]).exit_code == 0
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
    monkeypatch.setenv("WORKERS_CORE_SCHEMAS_DIR", str(tmp_path / "empty"))
    args = ["generate", str(req), "--export-dir", str(tmp_path / "exp"), "--out", str(tmp_path / "out")]
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 1 and "--allow-partial" in refused.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.xml"))
    partial = runner.invoke(cli, [*args, "--allow-partial"])
    assert partial.exit_code == 0 and "PARTIAL CHECK" in partial.output
    result = json.loads(partial.stdout[partial.stdout.index("{\n") :])
    assert result["xsd_valid"] is None and result["validated_with"] == []
