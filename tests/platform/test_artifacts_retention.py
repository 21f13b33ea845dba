"""Retention per artifact kind: lifecycle rules on a real bucket, the cleanup pass on both stores, the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from shared.artifacts import (
    ArtifactSettings,
    ArtifactStore,
    FilesystemArtifactStore,
    Retention,
    S3ArtifactStore,
    artifact_store,
    cleanup,
    get_artifact_store,
)
from shared.artifacts.cli import cli
from shared.artifacts.retention import DEFAULT_RETENTION, retention_table
from tests.support.seaweed import SeaweedServer

KINDS = ("efactura-archive", "saft", "render", "ocr-input", "general")


def test_legal_kinds_are_kept_ten_years_after_their_financial_year() -> None:
    saft = DEFAULT_RETENTION["saft"]
    assert saft.expires(datetime(2026, 3, 1, tzinfo=UTC)) == datetime(2037, 1, 1, tzinfo=UTC)
    assert saft.expires(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == datetime(2037, 1, 1, tzinfo=UTC)
    assert DEFAULT_RETENTION["efactura-archive"].expires(datetime(2026, 1, 2, tzinfo=UTC)) == datetime(
        2037, 1, 1, tzinfo=UTC
    )
    # an age-based rule must cover an object written on 1 January: 11 years
    assert saft.lifecycle_days() == 11 * 366 >= (datetime(2037, 1, 1) - datetime(2026, 1, 1)).days
    assert "82/1991" in saft.basis and "art. 25" in saft.basis
    assert DEFAULT_RETENTION["render"].lifecycle_days() == 7
    assert DEFAULT_RETENTION["general"].expires(datetime(2000, 1, 1, tzinfo=UTC)) is None


def test_overrides_per_kind() -> None:
    table = retention_table({"render": 2, "saft": 4000, "payroll": None, "general": 30})
    assert table["render"] == Retention("render", days=2, basis=table["render"].basis)
    assert table["saft"].lifecycle_days() == 4000 and table["saft"].fiscal_years is None
    assert table["payroll"].lifecycle_days() is None
    assert table["efactura-archive"].fiscal_years == 10
    with pytest.raises(Exception, match="invalid"):
        retention_table({"../x": 1})


def _stores(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    if kind == "s3":
        store: ArtifactStore = request.getfixturevalue("s3_store")
        return store
    return FilesystemArtifactStore(tmp_path / "fs")


@pytest.mark.parametrize("backend", ["filesystem", "s3"])
def test_cleanup_removes_each_kind_after_its_own_period(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store = _stores(backend, request, tmp_path)
    keys = {kind: store.put(kind.encode(), name=f"{kind}.bin", kind=kind).key for kind in KINDS}
    table = retention_table()
    today = datetime.now(UTC)

    report = cleanup(store, table, now=today + timedelta(days=1))
    assert sum(len(v) for v in report.deleted.values()) == 0 and report.scanned["render"] == 1

    dry = cleanup(store, table, now=today + timedelta(days=8), dry_run=True)
    assert dry.deleted["render"] == [keys["render"]] and store.exists(keys["render"])

    report = cleanup(store, table, now=today + timedelta(days=8))
    assert report.deleted == {
        "efactura-archive": [],
        "saft": [],
        "render": [keys["render"]],
        "ocr-input": [keys["ocr-input"]],
        "probe": [],
    }
    assert not store.exists(keys["render"]) and store.exists(keys["saft"])

    ten_years = datetime(today.year + 10, 12, 31, tzinfo=UTC)
    assert cleanup(store, table, now=ten_years).deleted["saft"] == []  # still inside the legal period
    report = cleanup(store, table, now=datetime(today.year + 11, 1, 1, tzinfo=UTC))
    assert report.deleted["saft"] == [keys["saft"]] and report.deleted["efactura-archive"] == [keys["efactura-archive"]]
    assert store.exists(keys["general"])  # no period: never removed by cleanup


@pytest.fixture
def s3_env(seaweed: SeaweedServer, s3_bucket: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The process environment of a worker using the S3 store: ONE setting + the standard AWS variables."""
    for name, value in seaweed.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    store = f"s3://{s3_bucket}/prod/artifacts"
    monkeypatch.setenv("ARTIFACT_STORE", store)
    monkeypatch.setenv("ARTIFACT_URL_TTL", "600")
    monkeypatch.setenv("ARTIFACT_RETENTION_DAYS", '{"render": 3}')
    return store


def test_one_setting_selects_the_store(s3_env: str, s3_bucket: str, tmp_path: Path) -> None:
    store = artifact_store(ArtifactSettings())
    assert isinstance(store, S3ArtifactStore) and (store.bucket, store.prefix) == (s3_bucket, "prod/artifacts/")
    ref = store.put(b"%PDF-1.7", name="x.pdf", content_type="application/pdf", kind="render")
    assert ref.expires_at is not None and ref.expires_at - datetime.now(UTC) <= timedelta(seconds=600)
    assert ref.url is not None and httpx.get(ref.url, timeout=30).content == b"%PDF-1.7"
    with pytest.raises(RuntimeError, match="S3"):
        get_artifact_store()  # a filesystem-only caller must not silently write where nobody reads

    fs = artifact_store(ArtifactSettings(ARTIFACT_STORE=str(tmp_path / "a")))
    assert isinstance(fs, FilesystemArtifactStore) and fs.root == tmp_path / "a"
    assert fs.link(fs.put(b"x", name="x").key) is None
    assert isinstance(
        artifact_store(ArtifactSettings(ARTIFACT_STORE="", ARTIFACT_DIR=str(tmp_path))), FilesystemArtifactStore
    )
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        ArtifactSettings(ARTIFACT_STORE="s3://").s3_location()


def test_cli_policy_lifecycle_presign_cleanup(s3_env: str, seaweed: SeaweedServer, s3_bucket: str) -> None:
    runner = CliRunner()
    policy = json.loads(runner.invoke(cli, ["policy"], catch_exceptions=False).output)
    assert policy["saft"]["fiscal_years"] == 10 and policy["render"]["days"] == 3

    result = runner.invoke(cli, ["lifecycle", "--apply"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    live = seaweed.client().get_bucket_lifecycle_configuration(Bucket=s3_bucket)["Rules"]
    by_prefix = {r["Filter"]["Prefix"]: r for r in live if "Expiration" in r}
    assert by_prefix["prod/artifacts/render/"]["Expiration"]["Days"] == 3
    assert by_prefix["prod/artifacts/saft/"]["Expiration"]["Days"] == 11 * 366
    assert by_prefix["prod/artifacts/efactura-archive/"]["Expiration"]["Days"] == 11 * 366
    assert "prod/artifacts/general/" not in by_prefix

    ref = artifact_store(ArtifactSettings()).put(b"d406", name="d406.xml", kind="saft")
    out = runner.invoke(cli, ["presign", ref.key, "--ttl", "120"], catch_exceptions=False)
    link = json.loads(out.output)
    assert httpx.get(link["url"], timeout=30).content == b"d406"
    assert runner.invoke(cli, ["presign", "../etc/passwd"]).exit_code != 0
    assert runner.invoke(cli, ["presign", "saft/2026/01/01/missing"]).exit_code != 0

    report = json.loads(runner.invoke(cli, ["cleanup", "--dry-run"], catch_exceptions=False).output)
    assert report["dry_run"] and report["scanned"]["saft"] == 1 and report["deleted"]["saft"] == 0
    assert runner.invoke(cli, ["cleanup", "--kind", "nope"]).exit_code == 2


def test_cli_is_declared_as_a_workers_core_group() -> None:
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["workers_core.cli"]["artifacts"] == "shared.artifacts.cli:cli"


def test_links_are_signed_for_the_public_address(
    s3_env: str, seaweed: SeaweedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    public = seaweed.endpoint.replace("127.0.0.1", "localhost")  # how callers outside the cluster reach S3
    monkeypatch.setenv("ARTIFACT_S3_PUBLIC_URL", public)
    store = artifact_store(ArtifactSettings())
    ref = store.put(b"invoice.zip", name="invoice.zip", kind="efactura-archive")
    assert ref.url is not None and ref.url.startswith(public + "/")
    assert httpx.get(ref.url, timeout=30).content == b"invoice.zip"
    assert store.key_for_url(ref.url) == ref.key
