"""``workers-core efactura|anaf ...`` as an operator runs it: build/validate without a broker, OAuth bootstrap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from anaf_efactura.schema import SCHEMA_DIR, render
from tests.anaf_efactura.samples import invoice
from tests.fakes.anaf import FakeAnafServer
from tests.schemadata import REPO


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """``workers-core anaf ...`` (OAuth), or ``workers-core efactura ...`` (its own group since anaf_core)."""
    group = [] if args[0] == "efactura" else ["anaf"]
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *group, *args],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_build_then_validate(tmp_path: Path) -> None:
    source = tmp_path / "invoice.json"
    source.write_text(json.dumps(invoice("FCT-CLI-1")))
    built = run("efactura", "build", str(source))
    assert built.returncode == 0, built.stderr
    assert b"<cbc:ID>FCT-CLI-1</cbc:ID>" in built.stdout
    xml = tmp_path / "invoice.xml"
    xml.write_bytes(built.stdout)
    checked = run("efactura", "validate", str(xml))
    assert checked.returncode == 0, checked.stdout
    assert json.loads(checked.stdout) == {
        "ok": True,
        "errors": [],
        "warnings": [],
        "validated_with": [{"name": "ubl-2.1", "version": "2.1"}, {"name": "cius-ro", "version": "1.0.9"}],
    }
    xml.write_bytes(built.stdout.replace(b"<cbc:CountrySubentity>RO-CJ", b"<cbc:CountrySubentity>CLUJ"))
    failed = run("efactura", "validate", str(xml))
    assert failed.returncode == 1
    assert [e["rule"] for e in json.loads(failed.stdout)["errors"]] == ["BR-RO-111"]


def test_build_refuses_an_invalid_model(tmp_path: Path) -> None:
    source = tmp_path / "invoice.json"
    source.write_text(json.dumps(invoice("FARA-CIFRE")))
    out = run("efactura", "build", str(source))
    assert out.returncode == 1 and b"BR-RO-010" in out.stderr


def test_oauth_bootstrap_through_the_cli(tmp_path: Path) -> None:
    with FakeAnafServer() as fake:
        env = {
            "ANAF_OAUTH_BASE_URL": f"{fake.url}/anaf-oauth2/v1",
            "ANAF_CLIENT_ID": "fake-client-id",
            "ANAF_CLIENT_SECRET": "fake-client-secret",
            "ANAF_REDIRECT_URI": "https://localhost:8443/callback",
            "WORKERS_CORE_ENV": "test",
        }
        url = run("authorize-url", env=env)
        assert url.returncode == 0, url.stderr
        redirect = httpx.get(url.stdout.decode().strip()).headers["location"]  # the browser step, faked
        code = parse_qs(urlsplit(redirect).query)["code"][0]
        tokens = tmp_path / "tokens.json"
        exchanged = run("exchange-code", code, "--token-file", str(tokens), env=env)
        assert exchanged.returncode == 0, exchanged.stderr
        status = json.loads(exchanged.stdout)
        assert status["bootstrapped"] and status["refresh_valid_s"] > 360 * 86400
        assert b"access_token" not in exchanged.stdout and tokens.stat().st_mode & 0o777 == 0o600
        refreshed = run("refresh", "--token-file", str(tokens), env=env)
        assert refreshed.returncode == 0, refreshed.stderr
        assert [c["grant_type"] for c in fake.state.token_calls] == ["authorization_code", "refresh_token"]
        missing = run("token-status", "--token-file", str(tmp_path / "none.json"), env=env)
        assert missing.returncode == 1 and json.loads(missing.stdout) == {"bootstrapped": False}


def test_published_json_schemas_are_current() -> None:
    for name, content in render().items():
        assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == content, (
            f"regenerate: python -m anaf_efactura.schema ({name})"
        )
    schema = run("efactura", "schema")
    assert json.loads(schema.stdout)["$id"].endswith("efactura-submit.schema.json")
