"""The Python SDK's generated models are fresh and cover every task and event of the committed contracts."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from workers_core_client import EVENTS, TASKS, Client, InvalidPayload
from workers_core_client.catalog import NOTIFY_SLACK, Event
from workers_core_client.events import parse_event
from workers_core_client.models import EfacturaRejected, NotifySlackPayload, SaftGenerated

from shared.contracts import load_contracts
from shared.contracts.asyncapi import ASYNCAPI_PATH

REPO = Path(__file__).resolve().parents[2]


def test_generated_models_are_fresh() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "sdk/python/generate.py"), "--check"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr + done.stdout


def test_catalog_covers_every_task_and_event() -> None:
    contracts = load_contracts()
    assert set(TASKS) == set(contracts)
    for name, task in TASKS.items():
        assert task.queue == contracts[name]["queue"]
        assert (task.result is None) == (contracts[name]["result"] is None)
    asyncapi = json.loads(ASYNCAPI_PATH.read_text(encoding="utf-8"))
    assert set(EVENTS) == set(asyncapi["channels"])
    assert EVENTS["efactura.rejected"] is EfacturaRejected and EVENTS["saft.generated"] is SaftGenerated


def test_models_keep_the_contract_constraints() -> None:
    assert NOTIFY_SLACK.payload is NotifySlackPayload
    NotifySlackPayload.model_validate({"text": "x", "channel": "#alerte"})
    with pytest.raises(ValueError):
        NotifySlackPayload.model_validate({"text": "x", "unknown": 1})  # additionalProperties: false


def test_invalid_payload_is_refused_before_anything_is_sent() -> None:
    class Refusing:
        def send(self, *args, **kwargs):  # pragma: no cover - must not be reached
            raise AssertionError("sent")

    client = Client(Refusing())  # type: ignore[arg-type]
    with pytest.raises(InvalidPayload) as caught:
        client.send("notify.slack", {"text": "x", "mode": "pigeon"})
    assert caught.value.code == "invalid_payload" and caught.value.details["errors"][0]["loc"] == ["mode"]


def test_a_received_envelope_is_parsed_into_its_data_model() -> None:
    body = {
        "event": "efactura.rejected",
        "id": "e1",
        "occurred_at": "2026-12-03T06:00:00Z",
        "correlation_id": "c1",
        "source": {"worker": "anaf.efactura", "version": "0.1.0", "instance": "i"},
        "data": {
            "outbox_id": 1,
            "invoice_key": "k",
            "cif": "RO1",
            "upload_index": 5,
            "duplicate_index": None,
            "xml_sha256": "0" * 64,
            "xml_artifact": None,
            "b2c": False,
            "flags": {},
            "download_id": None,
            "zip_artifact": None,
            "zip_sha256": None,
            "signature": None,
            "stage": "upload",
            "errors": ["E1"],
        },
        "error": {"code": "anaf_rejected", "message": "no", "messages": ["E1"]},
    }
    received = parse_event(body)
    assert isinstance(received.envelope, Event) and received.name == "efactura.rejected"
    assert isinstance(received.data, EfacturaRejected) and received.data.errors == ["E1"]


def test_the_distribution_builds_with_its_type_marker(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(REPO / "sdk/python"),
            "-w",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = tmp_path.glob("workers_core_client-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "workers_core_client/py.typed" in names and "workers_core_client/models.py" in names
