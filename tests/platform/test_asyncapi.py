"""The AsyncAPI document of the events matches the code's declarations, and every emitted event is declared."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

from click.testing import CliRunner

from anaf_efactura.events import EfacturaFiling
from anaf_efactura.outbox import EfacturaRow
from anaf_efactura.service_results import event_data
from anaf_etransport.events import EtransportVerdict
from anaf_etransport.models import EtransportResult
from anaf_saft.events import SaftGenerated
from anaf_saft.models import SaftResult
from celeryconfig import EVENTS_EXCHANGE_NAME, QUEUES
from reges.events import RegesSubmitted
from reges.models import RegesSubmitResult
from shared.contracts import load_contracts, render
from shared.contracts.asyncapi import ASYNCAPI_PATH, asyncapi_document, declared_events
from shared.contracts.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EMIT = re.compile(r"""Emit\(\s*["']([a-z0-9_.]+)["']""")


def test_committed_asyncapi_is_fresh() -> None:
    assert ASYNCAPI_PATH.read_text(encoding="utf-8") == render(asyncapi_document()), (
        "docs/asyncapi.json is stale: run `workers-core contracts asyncapi --write`"
    )


def test_every_emitted_event_is_declared() -> None:
    emitted: set[str] = set()
    for queue in QUEUES.values():
        for source in (ROOT / queue.package).rglob("*.py"):
            emitted |= set(EMIT.findall(source.read_text(encoding="utf-8")))
    declared = {spec.name for _tag, spec in declared_events()}
    assert emitted, "no Emit(...) found: the scan is broken"
    assert emitted <= declared, f"emitted but not declared in <package>/events.py: {sorted(emitted - declared)}"
    assert {f"{name}.failed" for name in load_contracts()} <= declared


def test_document_shape_and_references_resolve() -> None:
    document = json.loads(ASYNCAPI_PATH.read_text(encoding="utf-8"))
    assert document["asyncapi"] == "3.0.0"
    text = json.dumps(document)
    for ref in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
        node = document
        for part in ref.split("/"):
            assert part in node, f"unresolved $ref #/{ref}"
            node = node[part]
    for name, channel in document["channels"].items():
        assert channel["address"] == name
        assert channel["bindings"]["amqp"]["exchange"]["name"] == EVENTS_EXCHANGE_NAME
        assert document["operations"][name]["action"] == "send"
    rejected = document["components"]["messages"]["efactura.rejected"]["payload"]["allOf"][1]["properties"]
    assert rejected["data"] == {"$ref": "#/components/schemas/EfacturaRejected"}
    assert rejected["error"] == {"$ref": "#/components/schemas/EfacturaRejection"}


def test_check_mode_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "asyncapi.json"
    stale.write_text("{}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["asyncapi", "--check", "--path", str(stale)])
    assert result.exit_code == 1 and "stale" in result.output
    assert CliRunner().invoke(cli, ["asyncapi", "--write", "--path", str(stale)]).exit_code == 0
    assert CliRunner().invoke(cli, ["asyncapi", "--check", "--path", str(stale)]).exit_code == 0


def test_declared_data_models_follow_what_the_code_emits() -> None:
    """The declarations are written beside the code that builds each event's data: keep them in step."""
    assert set(EtransportVerdict.model_fields) == set(EtransportResult.model_fields) - {"duplicate"}
    assert set(RegesSubmitted.model_fields) == set(RegesSubmitResult.model_fields) - {"duplicate"}
    assert set(SaftGenerated.model_fields) == set(SaftResult.model_fields) | {"company", "period", "test"}
    now = dt.datetime.now(dt.UTC)
    defaults = {"id": 1, "polls": 0, "attempts": 0, "created_at": now, "updated_at": now, "b2c": False, "flags": {}}
    row = EfacturaRow(**{f.name: defaults.get(f.name) for f in dataclasses.fields(EfacturaRow)})  # type: ignore[arg-type]
    assert set(EfacturaFiling.model_fields) == set(event_data(row))
