"""scripts/migrate-worker-registry.sh: validate, dry-run, back up, import idempotently, verify counts."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from registry import repository
from registry.admin_import import CountMismatchError, ImportReport
from registry.db import Database
from tests.registry.helpers import status_row

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "migrate-worker-registry.sh"


def export(workers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "admin-core/worker-status",
        "version": 1,
        "exported_at": "2026-11-01T10:00:00Z",
        "workers": workers,
    }


def worker(i: int, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"00000000-0000-0000-0000-00000000000{i}",
        "tag": "ocr",
        "version": "0.9.0",
        "status": "running",
        "last_seen": f"2026-11-01T09:5{i}:00Z",
        "health_endpoint": f"http://ocr-{i}:9801",
        "metrics": {"queue_size": i},
    }
    base.update(overrides)
    return base


def run(path: Path, *args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REGISTRY_DATABASE_URL")}
    env["DATABASE_URL"] = url
    return subprocess.run(
        ["bash", str(SCRIPT), str(path), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def db(registry_pg_url: str, clean_registry: None) -> Any:
    database = Database(registry_pg_url)
    yield database
    database.dispose()


def test_import_is_backed_up_idempotent_and_validated(tmp_path: Path, db: Database, registry_pg_url: str) -> None:
    existing = status_row(
        "ocr", "ocr-1", "11111111-1111-1111-1111-111111111111", datetime(2026, 11, 1, 9, 59, tzinfo=UTC)
    )
    repository.upsert_rows(db.engine, [existing])
    source = tmp_path / "export.json"
    source.write_text(
        json.dumps(
            export(
                [
                    worker(1, instance_id="ocr-1"),  # older than what the registry has: unchanged
                    worker(2, tag="pdf.render", status="error"),
                    worker(3, tag="anaf.efactura", health_endpoint=None, metrics=None),
                ]
            )
        )
    )
    backups = tmp_path / "backups"

    dry = run(source, "--dry-run", "--backup-dir", str(backups), url=registry_pg_url)
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["status"] == "dry-run"
    assert (plan["inserted"], plan["updated"], plan["unchanged"]) == (2, 0, 1)
    assert repository.count_rows(db.engine) == 1 and not backups.exists()  # nothing written

    first = run(source, "--backup-dir", str(backups), url=registry_pg_url)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["status"], report["total_before"], report["total_after"]) == ("ok", 1, 3)
    backup = json.loads(Path(report["backup"]).read_text())
    assert [r["instance_id"] for r in backup] == ["ocr-1"] and backup[0]["version"] == "1.0.0"
    rows = {r["instance_id"]: r for r in repository.load_rows(db.engine)}
    assert rows["ocr-1"]["version"] == "1.0.0"  # the newer registry record won
    imported = rows["admin-core-00000000-0000-0000-0000-000000000002"]
    assert (imported["tag"], imported["status"], imported["version"]) == ("pdf.render", "error", "0.9.0")
    assert imported["metrics"]["admin_core"] == {"queue_size": 2}
    assert imported["last_seen"].isoformat() == "2026-11-01T09:52:00+00:00"

    again = run(source, "--backup-dir", str(backups), url=registry_pg_url)
    assert again.returncode == 0, again.stderr
    rerun = json.loads(again.stdout)
    assert (rerun["inserted"], rerun["updated"], rerun["unchanged"], rerun["total_after"]) == (0, 0, 3, 3)
    assert len(list(backups.iterdir())) == 2

    newer = tmp_path / "newer.json"
    newer.write_text(
        json.dumps(export([worker(2, tag="pdf.render", status="running", last_seen="2026-12-01T00:00:00Z")]))
    )
    update = json.loads(run(newer, "--backup-dir", str(backups), url=registry_pg_url).stdout)
    assert (update["inserted"], update["updated"]) == (0, 1)
    assert {r["instance_id"]: r["status"] for r in repository.load_rows(db.engine, tag="pdf.render")} == {
        "admin-core-00000000-0000-0000-0000-000000000002": "running"
    }


@pytest.mark.parametrize(
    ("document", "locs"),
    [
        (
            export([worker(1, status="sleeping"), worker(2, last_seen="2026-11-01T09:00:00")]),
            [["workers", "0", "status"], ["workers", "1", "last_seen"]],
        ),
        (export([worker(1), worker(1)]), [["workers", "1"]]),
        (
            {"format": "something-else", "version": 1, "exported_at": "2026-11-01T10:00:00Z", "workers": []},
            [["format"]],
        ),
        (
            export([worker(1, tag="Not A Tag", unknown_field=1)]),
            [["workers", "0", "tag"], ["workers", "0", "unknown_field"]],
        ),
    ],
    ids=["bad-status-and-naive-time", "duplicate", "wrong-format", "bad-tag-extra-field"],
)
def test_invalid_exports_write_nothing(
    tmp_path: Path, db: Database, registry_pg_url: str, document: dict[str, Any], locs: list[list[str]]
) -> None:
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(document))
    result = run(source, "--backup-dir", str(tmp_path / "b"), url=registry_pg_url)
    assert result.returncode == 1
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "invalid_payload"
    assert [e["loc"] for e in error["errors"]] == locs
    assert repository.count_rows(db.engine) == 0 and not (tmp_path / "b").exists()


def test_unreadable_export_and_usage(tmp_path: Path, registry_pg_url: str) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = run(broken, url=registry_pg_url)
    assert result.returncode == 1 and "cannot read" in result.stderr
    usage = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert usage.returncode == 64 and "Admin Core" in usage.stdout


def test_in_process_import_into_sqlite_and_count_mismatch(tmp_path: Path) -> None:
    from registry.admin_import import AdminCoreExport, import_export, main

    db = Database(f"sqlite:///{tmp_path / 'reg.sqlite3'}")
    data = AdminCoreExport.model_validate(export([worker(1), worker(2)]))
    dry = import_export(data, db, dry_run=True, backup_dir=tmp_path / "b")
    assert isinstance(dry, ImportReport) and dry.inserted == 2 and dry.total_before == 0
    report = import_export(data, db, dry_run=False, backup_dir=tmp_path / "b")
    assert report.total_after == 2 and report.backup is not None
    error = CountMismatchError(report, missing=["ocr/x"], stale=[])
    assert "missing ['ocr/x']" in str(error)
    source = tmp_path / "e.json"
    source.write_text(json.dumps(export([worker(3)])))
    assert (
        main(
            [
                str(source),
                "--database-url",
                f"sqlite:///{tmp_path / 'reg.sqlite3'}",
                "--backup-dir",
                str(tmp_path / "b"),
            ]
        )
        == 0
    )
    assert repository.count_rows(db.engine) == 3
    db.dispose()
