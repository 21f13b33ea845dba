"""``workers-core saft``: generate and validate D406 files without a broker."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from pydantic import BaseModel, ValidationError

from anaf_saft.config import get_settings
from anaf_saft.duk import DukValidator
from anaf_saft.models import SaftRequest
from anaf_saft.runtime import duk_validator
from anaf_saft.sample import write_sample_export
from anaf_saft.service import SaftGenerator
from anaf_saft.sources import KINDS, ExportFiles
from anaf_saft.writer import NS_PRODUCTION, NS_TEST
from anaf_saft.xsd import SaftSchema
from shared.artifacts import FilesystemArtifactStore
from shared.errors import WorkerError
from shared.schemas import SchemasUnavailable, get_store

__all__ = ["SCHEMAS", "cli"]

SCHEMAS: dict[str, type[BaseModel]] = {"saft-generate.schema.json": SaftRequest}


def _duk() -> DukValidator:
    return duk_validator(get_settings())


@click.group("saft")
def cli() -> None:
    """SAF-T (D406) files."""


_PARTIAL = click.option(
    "--allow-partial", is_flag=True, help="when the official XSD is not installed, go on without it (says so)"
)


def _schema(xsd: Path | None, allow_partial: bool) -> SaftSchema | None:
    """The official XSD, or None when it is unusable and the user explicitly allowed a partial check."""
    try:
        return SaftSchema.from_store(get_store(), xsd=xsd or get_settings().xsd_path)
    except SchemasUnavailable as exc:
        if not allow_partial:
            raise click.ClickException(f"{exc.message} -- or pass --allow-partial to go on without the XSD") from None
        click.echo("PARTIAL CHECK: the official SAF-T XSD was NOT run", err=True)
        return None


@cli.command()
@click.argument("request_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--export-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="directory with accounts/lines/customers/suppliers/tax_codes/uom/journals (and optionally "
    "sales_invoices/purchase_invoices/payments) .jsonl or .csv",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="output directory")
@click.option("--xsd", type=click.Path(exists=True, path_type=Path), default=None)
@click.option("--max-lines", type=int, default=None, help="lines per segment")
@_PARTIAL
def generate(
    request_file: Path, export_dir: Path, out: Path, xsd: Path | None, max_lines: int | None, allow_partial: bool
) -> None:
    """Generate the D406 for REQUEST_FILE (JSON of saft.generate without a source) from an export directory."""
    s = get_settings()
    data = json.loads(request_file.read_text(encoding="utf-8"))
    fmt = data.pop("format", None) or ("csv" if any(export_dir.glob("*.csv")) else "jsonl")
    data["source"] = {"kind": "export", "format": fmt, "accounts": "accounts", "lines": "lines"}
    try:
        req = SaftRequest.model_validate(data)
    except ValidationError as exc:
        click.echo(exc, err=True)
        sys.exit(1)
    files = {k: export_dir / f"{k}.{fmt}" for k in KINDS if (export_dir / f"{k}.{fmt}").is_file()}
    gen = SaftGenerator(
        FilesystemArtifactStore(out, max_bytes=1 << 40),
        schema=_schema(xsd, allow_partial),
        allow_unvalidated=allow_partial,
        duk=_duk(),
        max_lines_per_segment=max_lines or s.max_lines_per_segment,
        software=(s.software_company_name, s.software_id, s.software_version),
    )
    try:
        result = gen.generate(req, ExportFiles(files, fmt))
    except WorkerError as exc:
        click.echo(json.dumps(exc.to_dict(), indent=2, ensure_ascii=False), err=True)
        sys.exit(1)
    click.echo(result.model_dump_json(indent=2))


@cli.command()
@click.argument("xml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--xsd", type=click.Path(exists=True, path_type=Path), default=None)
@_PARTIAL
def validate(xml_file: Path, xsd: Path | None, allow_partial: bool) -> None:
    """Validate XML_FILE against the XSD (streaming) and DUKIntegrator when ANAF_DUK_DIR is set.

    Without the official XSD it refuses (exit 1) unless --allow-partial asks for a check without it.
    """
    head = xml_file.open("rb").read(4096)
    test = NS_TEST.encode() in head
    schema = _schema(xsd, allow_partial)
    findings = schema.validate_file(xml_file, NS_TEST if test else NS_PRODUCTION) if schema else []
    duk = _duk().validate(xml_file, test=test)
    for f in [*findings, *duk.findings]:
        click.echo(f"{'FATAL' if f.fatal else 'info '} {f.source} {f.rule} {f.location}: {f.message}")
    verdict = "NOT RUN (PARTIAL)" if schema is None else ("valid" if not findings else "INVALID")
    click.echo(f"XSD: {verdict}; DUK: {duk.detail}")
    sys.exit(1 if findings or duk.valid is False else 0)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--lines", type=int, default=12)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
def sample(directory: Path, lines: int, fmt: str) -> None:
    """Write a consistent synthetic export (demo input for ``generate``)."""
    for kind, path in write_sample_export(directory, lines=lines, fmt=fmt).items():
        click.echo(f"{kind}: {path}")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the saft.generate payload."""
    click.echo(json.dumps(SaftRequest.model_json_schema(), indent=2, ensure_ascii=False))
