"""``workers-core artifacts``: retention policy, S3 lifecycle rules, periodic cleanup and download links."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import click

from shared.artifacts.config import ArtifactSettings, build_store
from shared.artifacts.model import ArtifactStore, check_key
from shared.artifacts.retention import cleanup as run_cleanup
from shared.artifacts.retention import lifecycle_rules
from shared.artifacts.s3 import S3ArtifactStore
from shared.errors import WorkerError

__all__ = ["cli"]


def _store() -> tuple[ArtifactSettings, ArtifactStore]:
    settings = ArtifactSettings()
    return settings, build_store(settings)


def _echo(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


@click.group()
def cli() -> None:
    """Artifact store (ARTIFACT_STORE): retention per kind, lifecycle rules, cleanup, presigned links."""


@cli.command()
def policy() -> None:
    """Print the retention of every artifact kind (defaults + ARTIFACT_RETENTION_DAYS) and its legal basis."""
    settings = ArtifactSettings()
    _echo(
        {
            kind: {
                "days": r.days,
                "fiscal_years": r.fiscal_years,
                "lifecycle_days": r.lifecycle_days(),
                "basis": r.basis,
            }
            for kind, r in sorted(settings.retention().items())
        }
    )


@cli.command()
@click.option("--apply", "apply_", is_flag=True, help="Write the rules to the bucket (replaces its lifecycle).")
def lifecycle(apply_: bool) -> None:
    """Print (or --apply) the S3 lifecycle rules that expire each kind under the store's prefix."""
    settings, store = _store()
    if not isinstance(store, S3ArtifactStore):
        raise click.ClickException("lifecycle rules need an S3 store (ARTIFACT_STORE=s3://bucket/prefix)")
    rules = lifecycle_rules(settings.retention(), store.prefix)
    if apply_:
        try:
            store.set_lifecycle(rules)
        except WorkerError as exc:
            raise click.ClickException(str(exc)) from exc
        rules = store.lifecycle()
    _echo({"bucket": store.bucket, "applied": apply_, "rules": rules})


@cli.command()
@click.option("--kind", "kinds", multiple=True, help="Only these kinds (repeatable; default: all with a period).")
@click.option("--dry-run", is_flag=True, help="Report what would be deleted, delete nothing.")
def cleanup(kinds: tuple[str, ...], dry_run: bool) -> None:
    """Delete artifacts older than their kind's retention (run it daily: cron, a CronJob or beat)."""
    settings, store = _store()
    table = settings.retention()
    unknown = sorted(set(kinds) - set(table))
    if unknown:
        raise click.BadParameter(f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(sorted(table))}")
    try:
        report = run_cleanup(store, table, kinds=kinds or None, dry_run=dry_run)
    except WorkerError as exc:
        raise click.ClickException(str(exc)) from exc
    _echo({"dry_run": dry_run, **report.as_dict()})


@cli.command()
@click.argument("key")
@click.option("--ttl", type=click.IntRange(1, 7 * 24 * 3600), default=None, help="Seconds (default ARTIFACT_URL_TTL).")
def presign(key: str, ttl: int | None) -> None:
    """Print an expiring download URL of KEY."""
    settings, store = _store()
    if not isinstance(store, S3ArtifactStore):
        raise click.ClickException("presigned URLs need an S3 store (ARTIFACT_STORE=s3://bucket/prefix)")
    try:
        check_key(key)
        if not store.exists(key):
            raise click.ClickException(f"no artifact {key}")
        link = store.link(key, timedelta(seconds=ttl or settings.url_ttl_seconds))
    except WorkerError as exc:
        raise click.ClickException(str(exc)) from exc
    _echo({"key": key, "url": link.url, "expires_at": link.expires_at.isoformat()})
