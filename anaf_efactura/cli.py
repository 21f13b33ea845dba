"""``workers-core anaf ...``: OAuth bootstrap and token care, the fake ANAF, and e-Factura build/validate.

The one-time bootstrap (a human with the qualified certificate)::

    workers-core anaf authorize-url            # open it in the browser holding the certificate
    workers-core anaf exchange-code <code>     # within 60 s: stores the token pair (Redis, or --token-file)

``workers-core anaf efactura build invoice.json`` prints the UBL; ``... efactura validate file.xml`` prints
the XSD and CIUS-RO findings and exits 1 on any fatal one (``efactura_cli`` is the same group, for
mounting as ``workers-core efactura``).
"""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import Any

import click

__all__ = ["cli", "efactura_cli"]


def _tokens(token_file: Path | None) -> Any:
    from shared.anaf import AnafRuntime, FileTokenStore, TokenManager, get_anaf_settings

    settings = get_anaf_settings()
    runtime = AnafRuntime.create(settings)
    if token_file is None:
        return runtime.tokens
    return TokenManager(settings, FileTokenStore(token_file), lock_client=None, http=runtime.oauth_http)


def _fail(exc: Exception) -> None:
    from shared.errors import WorkerError

    payload = exc.to_dict() if isinstance(exc, WorkerError) else {"message": str(exc)}
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2), err=True)
    sys.exit(1)


token_file_option = click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Keep tokens in this JSON file (mode 0600) instead of the shared Redis store.",
)


@click.group()
def cli() -> None:
    """ANAF: OAuth bootstrap and token status, e-Factura tools, the fake ANAF for demos."""
    import structlog

    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # stdout is for results


@cli.command("authorize-url")
@click.option("--state", default=None, help="Opaque state echoed back on the redirect (default: random).")
def authorize_url(state: str | None) -> None:
    """Print the URL to open in a browser with the qualified certificate (needs SPV rights)."""
    try:
        click.echo(_tokens(None).authorize_url(state or secrets.token_urlsafe(12)))
    except Exception as exc:  # noqa: BLE001 - reported as JSON, exit 1
        _fail(exc)
    click.echo(
        "After consent ANAF redirects to ANAF_REDIRECT_URI?code=...; run `exchange-code <code>` within 60 seconds.",
        err=True,
    )


@cli.command("exchange-code")
@click.argument("code")
@token_file_option
def exchange_code(code: str, token_file: Path | None) -> None:
    """Trade the authorization CODE for the first token pair and store it (tokens are never printed)."""
    try:
        manager = _tokens(token_file)
        manager.exchange_code(code)
        click.echo(json.dumps(manager.status(), indent=2))
    except Exception as exc:  # noqa: BLE001
        _fail(exc)


@cli.command("token-status")
@token_file_option
def token_status(token_file: Path | None) -> None:
    """Expiry of the stored access and refresh tokens (exit 1 when missing or the refresh token is dead)."""
    try:
        status = _tokens(token_file).status()
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
        return
    click.echo(json.dumps(status, indent=2))
    if not status.get("bootstrapped") or status.get("refresh_valid_s", 1) <= 0:
        sys.exit(1)


@cli.command("refresh")
@token_file_option
def refresh(token_file: Path | None) -> None:
    """Refresh now (rotation stored atomically; single flight across replicas)."""
    try:
        manager = _tokens(token_file)
        manager.refresh(force=True)
        click.echo(json.dumps(manager.status(), indent=2))
    except Exception as exc:  # noqa: BLE001
        _fail(exc)


@cli.command("fake-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8089, show_default=True, type=int)
@click.option("--processing-delay", default=2.0, show_default=True, type=float, help="Seconds in 'in prelucrare'.")
@click.option(
    "--cert-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the fake's signing certificate (PEM) here, for ANAF_SIGNING_CERTS.",
)
def fake_server(host: str, port: int, processing_delay: float, cert_out: Path | None) -> None:
    """Run the fake ANAF (registry, OAuth, e-Factura, e-Transport, REGES) for demos; needs a repo checkout."""
    try:
        from tests.fakes.anaf.__main__ import main as run_fake
    except ImportError as exc:
        raise click.ClickException(f"the fake ANAF lives in the repository's tests/ folder: {exc}") from exc
    argv = ["--host", host, "--port", str(port), "--processing-delay", str(processing_delay)]
    if cert_out:
        argv += ["--cert-out", str(cert_out)]
    run_fake(argv)


@cli.group("efactura")
def efactura_cli() -> None:
    """e-Factura without a broker: build UBL from the JSON model, validate XML, print the JSON Schema."""


@efactura_cli.command("build")
@click.argument("invoice_json", type=click.File("rb"))
def build(invoice_json: Any) -> None:
    """Print the UBL 2.1 / CIUS-RO XML of INVOICE_JSON (the typed invoice model)."""
    from pydantic import ValidationError

    from anaf_efactura.invoice import Invoice
    from anaf_efactura.ubl import build_ubl
    from shared.errors import PayloadError

    try:
        invoice = Invoice.model_validate_json(invoice_json.read())
    except ValidationError as exc:
        _fail(PayloadError.from_validation_error(exc, "invalid invoice"))
        return
    sys.stdout.buffer.write(build_ubl(invoice))
    sys.stdout.buffer.write(b"\n")


@efactura_cli.command("validate")
@click.argument("xml_file", type=click.File("rb"))
def validate(xml_file: Any) -> None:
    """Print XSD + CIUS-RO findings of XML_FILE as JSON; exit 1 on any fatal finding."""
    from anaf_efactura.service import build_validator
    from shared.errors import PayloadError, PermanentError

    try:
        report = build_validator().validate(xml_file.read())
    except (PayloadError, PermanentError) as exc:
        _fail(exc)
        return
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    sys.exit(0 if report.ok else 1)


@efactura_cli.command("schema")
def schema() -> None:
    """Print the JSON Schema of the ``efactura.submit`` payload (the file in anaf_efactura/schemas/)."""
    from anaf_efactura.schema import submit_schema

    click.echo(json.dumps(submit_schema(), ensure_ascii=False, indent=2))
