"""REGES sends nothing unvalidated: refused start without reges.xsd, nothing sent in development; CLI refuses."""

from __future__ import annotations

import json

from click.testing import CliRunner

from reges.cli import cli
from tests.fakes.anaf.reges import book
from tests.reges import samples
from tests.schemas.support import deep_readiness_fails, failed_for_schemas, refuses_to_start


def test_production_worker_refuses_to_start_without_schemas(start_worker, reges_env, fake_reges, tmp_path):
    refuses_to_start(start_worker, "reges", reges_env, tmp_path / "empty")
    assert fake_reges.state.requests == []


def test_development_worker_sends_nothing_without_schemas(start_worker, celery_client, reges_env, fake_reges, tmp_path):
    worker = start_worker(
        "reges",
        env={**reges_env, "WORKERS_CORE_ENV": "development", "WORKERS_CORE_SCHEMAS_DIR": str(tmp_path / "empty")},
    )
    deep_readiness_fails(worker)
    failed_for_schemas(
        celery_client.send_task(
            "reges.submit", kwargs={"employer_cui": "18547290", "message": samples.ALL["InregistrareSalariat"]}
        )
    )
    # the deep readiness check asks Keycloak for a token; nothing reaches the REGES API itself
    assert book(fake_reges.state).submissions == []
    assert [r for r in fake_reges.state.requests if not r.endswith("/openid-connect/token")] == []


def test_message_breaking_the_xsd_is_refused_by_default_through_the_cli(tmp_path, monkeypatch):
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"employer_cui": "18547290", "message": samples.ALL["IncetareContract"]}))
    built = CliRunner().invoke(cli, ["build", str(req), "--format", "json"])
    assert built.exit_code == 0, built.output
    message = json.loads(built.stdout)
    message["actiune"]["temeiLegal"] = "NuExista"
    (tmp_path / "bad.json").write_text(json.dumps(message))
    refused = CliRunner().invoke(cli, ["validate", str(tmp_path / "bad.json")])
    assert refused.exit_code == 1 and "TemeiLegal" in refused.output and "reges reges2025" in refused.output
    monkeypatch.setenv("WORKERS_CORE_SCHEMAS_DIR", str(tmp_path / "empty"))
    no_schemas = CliRunner().invoke(cli, ["validate", str(tmp_path / "bad.json")])
    assert no_schemas.exit_code == 1 and "schemas install" in no_schemas.output
