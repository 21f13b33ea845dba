"""The committed OpenAPI document is the contract of the SDKs: it must match the code."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gateway.cli import OPENAPI_PATH, cli, openapi_document


def test_committed_openapi_matches_the_code() -> None:
    committed = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    assert committed == openapi_document(), (
        "gateway/openapi.json drifted from the code: run `workers-core gateway openapi --write` and commit it"
    )


def test_document_covers_the_contract() -> None:
    doc = openapi_document()
    paths = doc["paths"]
    post = paths["/v1/tasks/{name}"]["post"]
    assert {"202", "401", "403", "404", "409", "413", "422", "429", "503"} <= set(post["responses"])
    assert post["requestBody"]["required"] is True
    assert {p["name"] for p in post["parameters"]} >= {"name", "Idempotency-Key", "X-Correlation-Id"}
    assert set(doc["components"]["schemas"]["Accepted"]["properties"]) == {
        "task_id",
        "name",
        "state",
        "status_url",
        "events_url",
        "correlation_id",
    }
    assert {"task_id", "name", "state", "result", "error", "correlation_id", "tenant", "created_at"} <= set(
        doc["components"]["schemas"]["TaskStatus"]["properties"]
    )
    assert "text/event-stream" in paths["/v1/tasks/{task_id}/events"]["get"]["responses"]["200"]["content"]
    assert "get" in paths["/v1/tasks"] and "get" in paths["/metrics"] and "get" in paths["/readyz"]
    assert post["security"] == [{"bearer": []}]
    assert "security" not in paths["/healthz"]["get"]


def test_cli_prints_the_same_document() -> None:
    result = CliRunner().invoke(cli, ["openapi"])
    assert result.exit_code == 0
    assert json.loads(result.output) == openapi_document()
