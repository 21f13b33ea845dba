"""``workers-core efactura``: build UBL from the JSON model, validate XML, print the payload JSON Schema.

``workers-core efactura build invoice.json`` prints the UBL; ``... validate file.xml`` prints the XSD and CIUS-RO
findings and exits 1 on any fatal one. Nothing here needs a broker.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from shared.cli_errors import fail

__all__ = ["cli"]


@click.group("efactura")
def cli() -> None:
    """e-Factura without a broker: build UBL from the JSON model, validate XML, print the JSON Schema."""


@cli.command("build")
@click.argument("invoice_json", type=click.File("rb"))
@click.option("--extern", is_flag=True, help="The buyer is outside Romania (ANAF's extern=DA upload flag).")
def build(invoice_json: Any, extern: bool) -> None:
    """Print the UBL 2.1 / CIUS-RO XML of INVOICE_JSON (the typed invoice model)."""
    from pydantic import ValidationError

    from anaf_efactura.invoice import Invoice
    from anaf_efactura.ubl import build_ubl
    from shared.errors import PayloadError

    try:
        invoice = Invoice.model_validate_json(invoice_json.read())
    except ValidationError as exc:
        fail(PayloadError.from_validation_error(exc, "invalid invoice"))
        return
    problem = invoice.extern_problem(extern)
    if problem is not None:
        fail(PayloadError(problem, errors=[{"loc": ["extern"], "msg": problem, "type": "extern"}]))
        return
    if invoice.buyer_abroad and not extern:
        click.echo("note: the buyer is outside Romania; upload with extern=DA (--extern)", err=True)
    sys.stdout.buffer.write(build_ubl(invoice))
    sys.stdout.buffer.write(b"\n")


@cli.command("validate")
@click.argument("xml_file", type=click.File("rb"))
def validate(xml_file: Any) -> None:
    """Print XSD + CIUS-RO findings of XML_FILE as JSON; exit 1 on any fatal finding."""
    from anaf_efactura.config import get_settings
    from anaf_efactura.validation import InvoiceValidator
    from shared.errors import PayloadError, PermanentError
    from shared.schemas import get_store

    try:
        s = get_settings()  # the validator of the installed (or relocated) artefacts, without the service
        report = InvoiceValidator.from_store(get_store(), ubl_dir=s.ubl_dir, cius_ro_xslt=s.cius_ro_xslt).validate(
            xml_file.read()
        )
    except (PayloadError, PermanentError) as exc:
        fail(exc)
        return
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    sys.exit(0 if report.ok else 1)


@cli.command("schema")
def schema() -> None:
    """Print the JSON Schema of the ``efactura.submit`` payload (the file in anaf_efactura/schemas/)."""
    from anaf_efactura.schema import submit_schema

    click.echo(json.dumps(submit_schema(), ensure_ascii=False, indent=2))
