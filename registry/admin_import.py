"""Import worker records exported from Admin Core into the registry (``scripts/migrate-worker-registry.sh``).

Export format (JSON, UTF-8), one document::

    {
      "format": "admin-core/worker-status",
      "version": 1,
      "exported_at": "2026-11-01T10:00:00Z",
      "workers": [
        {"id": "8b6c0c1e-...", "tag": "ocr", "instance_id": "ocr-7d9f", "version": "1.4.2",
         "status": "running", "last_seen": "2026-11-01T09:59:31Z",
         "health_endpoint": "http://ocr-7d9f:9801", "metrics": {"queue_size": 3}}
      ]
    }

``id``, ``tag``, ``version``, ``status`` (running | idle | error | stopped) and ``last_seen`` (UTC, with
offset) are required; ``instance_id`` defaults to ``admin-core-<id>`` (Admin Core kept one row per tag);
``health_endpoint`` and ``metrics`` are optional. Steps: validate everything (nothing is written if any
record is invalid: exit 1 with a structured error list), back up the current ``worker_status`` rows to
a JSON file, upsert by (tag, instance_id) keeping whichever side has the newer ``last_seen`` (so a
re-run changes nothing: idempotent), then check the counts (exit 2 on a mismatch). ``--dry-run`` only
prints the plan. Imported instances age out through the normal failure detection if they never
heartbeat again.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import inspect

from registry import repository
from registry.config import normalize_database_url
from registry.db import Database
from registry.models import WorkerState
from shared.errors import PayloadError
from shared.heartbeat import HEALTH_ENDPOINT_PATTERN, PRINTABLE_PATTERN
from shared.keys import INSTANCE_ID_PATTERN, TAG_PATTERN

__all__ = ["AdminCoreExport", "ImportReport", "import_export", "main"]

FORMAT = "admin-core/worker-status"


class AdminCoreWorker(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$")
    tag: str = Field(pattern=TAG_PATTERN)
    instance_id: str | None = Field(default=None, pattern=INSTANCE_ID_PATTERN)
    version: str = Field(min_length=1, max_length=64, pattern=PRINTABLE_PATTERN)
    status: WorkerState
    last_seen: AwareDatetime
    health_endpoint: str | None = Field(default=None, max_length=500, pattern=HEALTH_ENDPOINT_PATTERN)
    metrics: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.tag, self.instance_id or f"admin-core-{self.id}"


class AdminCoreExport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["admin-core/worker-status"]
    version: Literal[1]
    exported_at: AwareDatetime
    workers: list[AdminCoreWorker]


class ImportReport(BaseModel):
    dry_run: bool
    records: int
    inserted: int
    updated: int
    unchanged: int
    total_before: int
    total_after: int
    backup: str | None = None
    plan: list[dict[str, str]] = Field(default_factory=list)


def load_export(path: Path) -> AdminCoreExport:
    """Parse and validate the export; ``PayloadError`` lists every problem (loc/msg/type)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PayloadError(f"cannot read {path}: {exc}", errors=[{"loc": [], "msg": str(exc), "type": "json"}]) from exc
    try:
        export = AdminCoreExport.model_validate(data)
    except ValidationError as exc:
        raise PayloadError.from_validation_error(exc, f"{path} is not a valid Admin Core export") from exc
    seen: dict[tuple[str, str], int] = {}
    duplicates = []
    for i, worker in enumerate(export.workers):
        if worker.key in seen:
            duplicates.append(
                {
                    "loc": ["workers", str(i)],
                    "msg": f"duplicate of workers[{seen[worker.key]}] ({worker.key[0]}/{worker.key[1]})",
                    "type": "duplicate",
                }
            )
        seen.setdefault(worker.key, i)
    if duplicates:
        raise PayloadError(f"{path} has duplicate instances", errors=duplicates)
    return export


def _row(worker: AdminCoreWorker, now: datetime) -> dict[str, Any]:
    tag, instance_id = worker.key
    last_seen = worker.last_seen.astimezone(UTC)
    alive = worker.status in (WorkerState.RUNNING, WorkerState.IDLE)
    return {
        "id": worker.id,
        "tag": tag,
        "instance_id": instance_id,
        "version": worker.version,
        "status": worker.status.value,
        "reason": "imported from Admin Core",
        "health_endpoint": worker.health_endpoint,
        "health_score": 100 if alive else 0,
        "scrape_failures": 0,
        "registered_at": last_seen,
        "last_seen": last_seen,
        "status_since": last_seen,
        "last_scrape_at": None,
        "metrics": {"heartbeat": {}, "scrape": {}, "extra": {}, "admin_core": worker.metrics or {}},
        "updated_at": now,
    }


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def import_export(
    export: AdminCoreExport, db: Database, *, dry_run: bool, backup_dir: Path, now: datetime | None = None
) -> ImportReport:
    """Plan, back up, upsert and verify (see the module docstring)."""
    now = now or datetime.now(UTC)
    has_table = inspect(db.engine).has_table("worker_status")
    if not dry_run:
        db.migrate()
        has_table = True
    existing = repository.load_rows(db.engine) if has_table else []
    current = {(r["tag"], r["instance_id"]): r for r in existing}
    plan: list[dict[str, str]] = []
    rows = []
    counts = {"insert": 0, "update": 0, "unchanged": 0}
    for worker in export.workers:
        row = _row(worker, now)
        old = current.get(worker.key)
        action = "insert" if old is None else "update" if old["last_seen"] < row["last_seen"] else "unchanged"
        counts[action] += 1
        plan.append({"tag": worker.key[0], "instance_id": worker.key[1], "action": action})
        if action != "unchanged":
            rows.append(row)
    report = ImportReport(
        dry_run=dry_run,
        records=len(export.workers),
        inserted=counts["insert"],
        updated=counts["update"],
        unchanged=counts["unchanged"],
        total_before=len(existing),
        total_after=len(existing) + counts["insert"],
        plan=plan,
    )
    if dry_run:
        return report
    backup_dir.mkdir(parents=True, exist_ok=True)
    backup = backup_dir / f"worker_status-{now.strftime('%Y%m%dT%H%M%S%fZ')}.json"
    backup.write_text(json.dumps([_jsonable(r) for r in existing], indent=1), encoding="utf-8")
    report.backup = str(backup)
    repository.upsert_rows(db.engine, rows, only_newer=True)
    after = {(r["tag"], r["instance_id"]): r for r in repository.load_rows(db.engine)}
    report.total_after = len(after)
    missing = [f"{t}/{i}" for t, i in (w.key for w in export.workers) if (t, i) not in after]
    stale = [
        f"{w.key[0]}/{w.key[1]}"
        for w in export.workers
        if w.key in after and after[w.key]["last_seen"] < w.last_seen.astimezone(UTC)
    ]
    if missing or stale or len(after) != len(existing) + counts["insert"]:
        raise CountMismatchError(report, missing=missing, stale=stale)
    return report


class CountMismatchError(Exception):
    """The database does not hold what the import wrote (validation after migration)."""

    def __init__(self, report: ImportReport, *, missing: list[str], stale: list[str]) -> None:
        self.report = report
        self.missing = missing
        self.stale = stale
        super().__init__(
            f"validation failed: expected {report.total_before + report.inserted} rows, found {report.total_after}; "
            f"missing {missing[:10]}, not updated {stale[:10]}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="migrate-worker-registry", description="Import an Admin Core worker export into the registry database."
    )
    parser.add_argument("export", type=Path, help="Admin Core export (JSON, see registry/admin_import.py)")
    parser.add_argument("--database-url", default=None, help="default: REGISTRY_DATABASE_URL / DATABASE_URL")
    parser.add_argument("--backup-dir", type=Path, default=Path("registry-backups"))
    parser.add_argument("--dry-run", action="store_true", help="validate and print the plan; write nothing")
    args = parser.parse_args(argv)
    from registry.config import database_url_from_env

    url = normalize_database_url(args.database_url) if args.database_url else database_url_from_env()
    try:
        export = load_export(args.export)
    except PayloadError as exc:
        print(json.dumps({"status": "invalid", "error": exc.to_dict()}, indent=1), file=sys.stderr)
        return 1
    db = Database(url)
    try:
        report = import_export(export, db, dry_run=args.dry_run, backup_dir=args.backup_dir)
    except CountMismatchError as exc:
        print(
            json.dumps({"status": "mismatch", "message": str(exc), **exc.report.model_dump()}, indent=1),
            file=sys.stderr,
        )
        return 2
    finally:
        db.dispose()
    print(json.dumps({"status": "dry-run" if args.dry_run else "ok", **report.model_dump()}, indent=1))
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through scripts/migrate-worker-registry.sh
    raise SystemExit(main())
