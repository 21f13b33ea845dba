"""``workers-core schemas``: install the official validation artefacts and show what is installed."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from shared.schemas.installer import MIRROR_ENV, SchemaInstallError, install
from shared.schemas.manifest import load_manifest
from shared.schemas.store import SchemaStore, SchemasUnavailable, default_schemas_dir

__all__ = ["PARTIAL_OPTION", "cli", "schema_or_partial"]

T = TypeVar("T")

#: ``--allow-partial`` of a worker command that validates against an official XSD
PARTIAL_OPTION = click.option(
    "--allow-partial", is_flag=True, help="when the official XSD is not installed, go on without it (says so)"
)


def schema_or_partial(load: Callable[[], T], *, allow_partial: bool, what: str) -> T | None:
    """The official schema ``load()`` gives, or None when it is unusable and the user explicitly allowed a
    partial check (said on stderr: ``PARTIAL CHECK: <what> was NOT run``)."""
    try:
        return load()
    except SchemasUnavailable as exc:
        if not allow_partial:
            raise click.ClickException(f"{exc.message} -- or pass --allow-partial to go on without the XSD") from None
        click.echo(f"PARTIAL CHECK: {what} was NOT run", err=True)
        return None


_DIR = click.option(
    "--dir",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="schemas directory (default: WORKERS_CORE_SCHEMAS_DIR or the per-user data directory)",
)


@click.group("schemas")
def cli() -> None:
    """Official XSD / Schematron artefacts the filing workers validate against (pinned manifest)."""


@cli.command("install")
@click.option(
    "--from",
    "mirror",
    type=click.Path(path_type=Path),
    default=None,
    help=f"local mirror directory (default: {MIRROR_ENV}; without either, download from the pinned mirror URLs)",
)
@_DIR
@click.option("--force", is_flag=True, help="reinstall even when the installed files already match")
def install_cmd(mirror: Path | None, target: Path | None, force: bool) -> None:
    """Install every artefact of the manifest, verifying each SHA-256; all or nothing."""
    target = target or default_schemas_dir()
    if mirror is None and os.environ.get(MIRROR_ENV):
        mirror = Path(os.environ[MIRROR_ENV])
    try:
        report = install(target, mirror=mirror, force=force)
    except SchemaInstallError as exc:
        raise click.ClickException(exc.message) from None
    what = "already installed" if report.unchanged else f"installed from {report.source}"
    click.echo(f"schemas: {report.files} files {what} in {report.target} ({report.seconds:.2f} s)")


@cli.command("status")
@_DIR
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def status_cmd(target: Path | None, as_json: bool) -> None:
    """Name, version and hash verdict of every artefact; exit 1 when a validation artefact is unusable."""
    store = SchemaStore(target or default_schemas_dir(), load_manifest())
    rows = store.status()
    if as_json:
        click.echo(json.dumps({"dir": str(store.root), "artefacts": [r.as_dict() for r in rows]}, indent=2))
    else:
        click.echo(f"schemas directory: {store.root}")
        for r in rows:
            verdict = "ok" if r.ok else "; ".join(r.problems[:3])
            click.echo(f"  {r.name:<24} {r.version:<24} {r.role:<10} {verdict}")
    if any(not r.ok and r.role == "validation" for r in rows):
        raise SystemExit(1)
