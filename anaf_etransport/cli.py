"""``workers-core etransport``: build, validate and policy-check e-Transport declarations without a broker."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from pydantic import BaseModel, ValidationError

from anaf_etransport.config import get_settings
from anaf_etransport.document import build_xml
from anaf_etransport.models import Declaration, EtransportSubmitRequest
from anaf_etransport.policy import Shipment, declaration_policy
from anaf_etransport.validation import EtransportValidator, Finding, local_findings
from shared.schemas import SchemasUnavailable, get_store

__all__ = ["SCHEMAS", "cli"]

#: Published JSON Schema files (kept current by tests/anaf_etransport/test_cli.py).
SCHEMAS: dict[str, type[BaseModel]] = {
    "etransport-submit.schema.json": EtransportSubmitRequest,
    "etransport-declaration.schema.json": Declaration,
    "etransport-shipment.schema.json": Shipment,
}


def _validator(xsd: Path | None, sch: Path | None, allow_partial: bool) -> EtransportValidator | None:
    """The full validator, or None (well-formedness only) when the user explicitly allowed a partial check."""
    s = get_settings()
    try:
        return EtransportValidator.from_store(get_store(), xsd=xsd or s.xsd_path, schematron=sch or s.schematron_path)
    except SchemasUnavailable as exc:
        if not allow_partial:
            raise click.ClickException(
                f"{exc.message} -- or pass --allow-partial to check well-formedness only"
            ) from None
        click.echo("PARTIAL CHECK: the e-Transport XSD and Schematron were NOT run (well-formedness only)", err=True)
        return None


def _findings(validator: EtransportValidator | None, xml: bytes, *, warnings: bool) -> list[Finding]:
    if validator is None:
        return local_findings(xml)
    return validator.validate(xml, warnings=warnings)


_PARTIAL = click.option(
    "--allow-partial", is_flag=True, help="when the official schemas are not installed, check well-formedness only"
)


def _load(path: str) -> object:
    return json.loads(Path(path).read_text(encoding="utf-8")) if path != "-" else json.load(sys.stdin)


@click.group("etransport")
def cli() -> None:
    """RO e-Transport declarations (v2)."""


@cli.command()
@click.argument("declaration", type=click.Path(allow_dash=True))
@click.option("--xsd", type=click.Path(exists=True, path_type=Path), default=None, help="schema_ETR_v2 XSD")
@click.option("--schematron", type=click.Path(exists=True, path_type=Path), default=None, help="ANAF's .sch rules")
@_PARTIAL
def build(declaration: str, xsd: Path | None, schematron: Path | None, allow_partial: bool) -> None:
    """Print the XML of DECLARATION (JSON file of the declaration model); exit 1 when it is refused."""
    try:
        decl = Declaration.model_validate(_load(declaration))
    except ValidationError as exc:
        for e in exc.errors(include_url=False, include_input=False):
            click.echo(f"error {'.'.join(map(str, e['loc']))}: {e['msg']}", err=True)
        sys.exit(1)
    xml = build_xml(decl)
    findings = [f for f in _findings(_validator(xsd, schematron, allow_partial), xml, warnings=False) if f.fatal]
    for f in findings:
        click.echo(f"{f.source} {f.rule}: {f.message}", err=True)
    click.echo(xml.decode("utf-8"))
    sys.exit(1 if findings else 0)


@cli.command()
@click.argument("xml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--xsd", type=click.Path(exists=True, path_type=Path), default=None)
@click.option("--schematron", type=click.Path(exists=True, path_type=Path), default=None)
@_PARTIAL
def validate(xml_file: Path, xsd: Path | None, schematron: Path | None, allow_partial: bool) -> None:
    """Print the findings for XML_FILE (XSD, Schematron); exit 1 on any fatal one.

    Without the official schemas it refuses (exit 1) unless --allow-partial asks for a well-formedness check.
    """
    v = _validator(xsd, schematron, allow_partial)
    findings = _findings(v, xml_file.read_bytes(), warnings=True)
    for f in findings:
        click.echo(f"{'FATAL' if f.fatal else 'info '} {f.source} {f.rule}: {f.message}")
    what = ", ".join(f"{a['name']} {a['version']}" for a in v.artefacts) if v else "well-formedness only (PARTIAL)"
    click.echo(f"checked with {what}: {sum(f.fatal for f in findings)} fatal finding(s)")
    sys.exit(1 if any(f.fatal for f in findings) else 0)


@cli.command()
@click.argument("shipment", type=click.Path(allow_dash=True))
def policy(shipment: str) -> None:
    """Say whether SHIPMENT (JSON) needs a declaration and whether the suite files it."""
    click.echo(declaration_policy(Shipment.model_validate(_load(shipment))).model_dump_json(indent=2))


@cli.command()
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="write every schema file here"
)
def schema(out: Path | None) -> None:
    """Print (or write) the JSON Schema of the input models."""
    for name, model in SCHEMAS.items():
        text = json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
        if out:
            out.mkdir(parents=True, exist_ok=True)
            (out / name).write_text(text, encoding="utf-8")
        else:
            click.echo(text)
