"""The committed OpenAPI document is the contract for the SDKs: it must match the code."""

from __future__ import annotations

import json

from click.testing import CliRunner

from registry.cli import OPENAPI_PATH, cli, openapi_document


def test_committed_openapi_matches_the_code() -> None:
    committed = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    assert committed == openapi_document(), (
        "registry/openapi.json drifted from the code: run `python -m registry.cli openapi --write` and commit it"
    )


def test_document_covers_the_roadmap_routes() -> None:
    doc = openapi_document()
    paths = doc["paths"]
    assert {"get"} <= set(paths["/v1/workers"])
    assert {"get", "delete"} <= set(paths["/v1/workers/{tag}"])
    assert {"patch"} <= set(paths["/v1/workers/{tag}/heartbeat"])
    assert {"post"} <= set(paths["/v1/workers/{tag}/instances"])
    assert {"delete"} <= set(paths["/v1/workers/{tag}/instances/{instance_id}"])
    for path in ("/v1/discovery/{tag}", "/v1/topology", "/v1/scaling", "/v1/scaling/{tag}", "/metrics"):
        assert "get" in paths[path], path
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "JWT with scope `workers:read`, `workers:heartbeat` or `workers:admin` (implies the others).",
    }
    assert paths["/v1/workers"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in paths["/healthz"]["get"]
    for method in paths["/v1/workers/{tag}"].values():
        assert {"401", "403", "422", "503"} <= set(method["responses"])


def test_cli_prints_the_same_document() -> None:
    result = CliRunner().invoke(cli, ["openapi"])
    assert result.exit_code == 0
    assert json.loads(result.output) == openapi_document()
