"""``workers-core reges``: build and validate REGES Online messages without a broker."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import click
from lxml import etree
from pydantic import BaseModel, ValidationError

from reges.config import get_settings
from reges.message import NS, build_xml, json_to_xml, xml_to_json
from reges.models import RegesProposalsRequest, RegesSubmitRequest
from reges.schema import RegesSchema
from shared.schemas import SchemasUnavailable, get_store
from shared.xml import UntrustedXml, parse_untrusted

__all__ = ["SCHEMAS", "cli"]

#: A REGES message is a few kilobytes; anything far larger is not one.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024

SCHEMAS: dict[str, type[BaseModel]] = {
    "reges-submit.schema.json": RegesSubmitRequest,
    "reges-proposals.schema.json": RegesProposalsRequest,
}


@click.group("reges")
def cli() -> None:
    """REGES Online (Inspecția Muncii) messages."""


_PARTIAL = click.option(
    "--allow-partial", is_flag=True, help="when the official XSD is not installed, go on without it (says so)"
)


def _schema(xsd: Path | None, allow_partial: bool) -> RegesSchema | None:
    """The official XSD, or None when it is unusable and the user explicitly allowed a partial check."""
    try:
        return RegesSchema.from_store(get_store(), xsd=xsd or get_settings().xsd_path)
    except SchemasUnavailable as exc:
        if not allow_partial:
            raise click.ClickException(f"{exc.message} -- or pass --allow-partial to go on without the XSD") from None
        click.echo("PARTIAL CHECK: reges.xsd was NOT run", err=True)
        return None


@cli.command()
@click.argument("request_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["xml", "json"]), default="xml")
@click.option("--xsd", type=click.Path(exists=True, path_type=Path), default=None)
@_PARTIAL
def build(request_file: Path, fmt: str, xsd: Path | None, allow_partial: bool) -> None:
    """Print the message of REQUEST_FILE (a reges.submit payload); exit 1 when refused."""
    data = json.loads(request_file.read_text(encoding="utf-8"))
    data.setdefault("message_id", str(uuid.uuid4()))
    try:
        req = RegesSubmitRequest.model_validate(data)
    except ValidationError as exc:
        click.echo(exc, err=True)
        sys.exit(1)
    assert req.message_id is not None
    root = build_xml(req.message, req.message_id, employer_cui=req.employer_cui)
    schema = _schema(xsd, allow_partial)
    if schema is not None and (errors := schema.errors(root)):
        for e in errors:
            click.echo(f"xsd {e['loc'][-1]}: {e['msg']}", err=True)
        sys.exit(1)
    click.echo(
        json.dumps(xml_to_json(root), indent=2, ensure_ascii=False)
        if fmt == "json"
        else etree.tostring(root, pretty_print=True, encoding="unicode")
    )


@cli.command()
@click.argument("message_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--xsd", type=click.Path(exists=True, path_type=Path), default=None)
def validate(message_file: Path, xsd: Path | None) -> None:
    """Validate a message file (XML, or JSON through its XML form) against reges.xsd; exit 1 on errors."""
    schema = _schema(xsd, allow_partial=False)
    assert schema is not None  # validating without the XSD would check nothing
    raw = message_file.read_bytes()
    try:
        if raw.lstrip()[:1] == b"{":
            root = json_to_xml(json.loads(raw))
        else:
            root = parse_untrusted(raw, max_bytes=MAX_MESSAGE_BYTES, what="REGES message")
    except UntrustedXml as exc:
        click.echo(f"FATAL unreadable: {exc.message}")
        sys.exit(1)
    except RecursionError:
        click.echo("FATAL unreadable: the message is nested too deeply")
        sys.exit(1)
    except ValueError as exc:
        click.echo(f"FATAL unreadable: {' '.join(str(exc).split())[:300]}")
        sys.exit(1)
    errors = schema.errors(root)
    ok = root.tag == f"{{{NS}}}Message" and not errors
    for e in errors:
        click.echo(f"FATAL xsd {e['loc'][-1]}: {e['msg']}")
    where = ", ".join(f"{a['name']} {a['version']}" for a in schema.artefacts)
    click.echo(f"{'valid' if ok else 'INVALID'} ({where})")
    sys.exit(0 if ok else 1)


@cli.command()
@click.option("--task", type=click.Choice(["submit", "proposals"]), default="submit")
def schema(task: str) -> None:
    """Print the JSON Schema of the reges.submit (default) or reges.proposals payload."""
    click.echo(json.dumps(SCHEMAS[f"reges-{task}.schema.json"].model_json_schema(), indent=2, ensure_ascii=False))
