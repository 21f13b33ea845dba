"""e-Transport files nothing unvalidated: refused start, no upload without schemas; XSD faults refused by default."""

from __future__ import annotations

import json

from click.testing import CliRunner

from anaf_etransport.document import build_xml
from anaf_etransport.models import Declaration
from tests.anaf_etransport import samples
from tests.fakes.anaf.etransport import book
from tests.schemas.support import deep_readiness_fails, failed_for_schemas, refuses_to_start


def _unknown_customs_office() -> str:
    xml = build_xml(Declaration.model_validate(samples.export())).decode("utf-8")
    assert 'codBirouVamal="372901"' in xml
    return xml.replace('codBirouVamal="372901"', 'codBirouVamal="999999"')


def test_production_worker_refuses_to_start_without_schemas(start_worker, etr_env, fake_anaf, tmp_path):
    refuses_to_start(start_worker, "anaf.etransport", etr_env, tmp_path / "empty")
    assert fake_anaf.state.requests == []


def test_development_worker_uploads_nothing_without_schemas(start_worker, celery_client, etr_env, fake_anaf, tmp_path):
    worker = start_worker(
        "anaf.etransport",
        env={**etr_env, "WORKERS_CORE_ENV": "development", "WORKERS_CORE_SCHEMAS_DIR": str(tmp_path / "empty")},
    )
    deep_readiness_fails(worker)
    failed_for_schemas(celery_client.send_task("etransport.submit", kwargs={"declaration": samples.domestic()}))
    assert book(fake_anaf.state).uploads() == [] and fake_anaf.state.requests == []


def test_unknown_customs_office_is_refused_by_default_through_the_worker(
    start_worker, celery_client, etr_env, fake_anaf
):
    start_worker("anaf.etransport", env=etr_env)
    result = celery_client.send_task("etransport.submit", kwargs={"xml": _unknown_customs_office(), "cif": "12345674"})
    result.get(timeout=60, propagate=False)
    assert result.state == "FAILURE"
    error = result.result.args[0]
    assert error["code"] == "etransport_invalid" and "codBirouVamal" in json.dumps(error)
    assert book(fake_anaf.state).uploads() == []


def test_unknown_customs_office_is_refused_by_default_through_the_cli(tmp_path, monkeypatch):
    from anaf_etransport.cli import cli

    xml = tmp_path / "decl.xml"
    xml.write_text(_unknown_customs_office())
    refused = CliRunner().invoke(cli, ["validate", str(xml)])
    assert (
        refused.exit_code == 1 and "codBirouVamal" in refused.output and "etransport-xsd v2 20230126" in refused.output
    )
    monkeypatch.setenv("WORKERS_CORE_SCHEMAS_DIR", str(tmp_path / "empty"))
    no_schemas = CliRunner().invoke(cli, ["validate", str(xml)])
    assert no_schemas.exit_code == 1 and "--allow-partial" in no_schemas.output
    partial = CliRunner().invoke(cli, ["validate", str(xml), "--allow-partial"])
    assert partial.exit_code == 0 and "PARTIAL" in partial.output
