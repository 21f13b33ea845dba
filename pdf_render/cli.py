"""``workers-core pdf``: render HTML files, templates or URLs locally (no broker), same code and policy."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import structlog
from pydantic import ValidationError

from pdf_render.config import get_settings
from pdf_render.models import RenderRequest
from shared.errors import PayloadError, WorkerError

__all__ = ["cli"]


def _fail(error: dict[str, Any]) -> None:
    click.echo(json.dumps({"status": "error", "error": error}, ensure_ascii=False, indent=2), err=True)
    sys.exit(1)


@click.group()
def cli() -> None:
    """PDF rendering with Debian's Chromium (the pdf.render worker's code, in-process)."""
    # results go to stdout as JSON; logs go to stderr so the two never mix
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))


@cli.command()
@click.argument("source")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PDF to write.")
@click.option(
    "--data",
    "data_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON file with the template's data.",
)
@click.option("--options", "options_json", default=None, help="PDF options as JSON, e.g. '{\"landscape\": true}'.")
@click.option("--javascript/--no-javascript", default=False, show_default=True)
@click.option("--timeout", type=float, default=None, help="Seconds (default PDF_RENDER_DEFAULT_TIMEOUT).")
def render(
    source: str, output: Path, data_file: Path | None, options_json: str | None, javascript: bool, timeout: float | None
) -> None:
    """Render SOURCE (an .html file, a template name such as invoice.html, or an allowlisted URL) to OUTPUT."""
    from pdf_render.service import PdfService, build_host

    payload: dict[str, Any] = {"javascript": javascript, "filename": output.name}
    if source.lower().startswith(("http://", "https://")):
        payload["url"] = source
    elif Path(source).is_file():
        payload["html"] = Path(source).read_text(encoding="utf-8")
    else:
        payload["template"] = source
        payload["data"] = json.loads(data_file.read_text(encoding="utf-8")) if data_file else {}
    if options_json:
        payload["options"] = json.loads(options_json)
    if timeout is not None:
        payload["timeout"] = timeout
    try:
        request = RenderRequest.model_validate(payload)
    except ValidationError as exc:
        _fail(PayloadError.from_validation_error(exc).to_dict())
        return
    settings = get_settings()
    host = build_host(settings)
    try:
        rendered = PdfService.build(settings, host).render_bytes(request)
    except WorkerError as exc:
        _fail(exc.to_dict())
        return
    finally:
        host.close()
    output.write_bytes(rendered.data)
    click.echo(
        json.dumps(
            {
                "status": "ok",
                "output": str(output),
                "pages": rendered.pages,
                "size": len(rendered.data),
                "render_ms": rendered.elapsed_ms,
                "blocked": [{"url": v.url[:300], "reason": v.reason} for v in rendered.refused],
            },
            ensure_ascii=False,
            indent=2,
        )
    )


@cli.command()
def templates() -> None:
    """List the templates the worker knows (PDF_RENDER_TEMPLATE_DIR first, then the built-in ones)."""
    from pdf_render.templates import TemplateRenderer

    for name in TemplateRenderer(get_settings().template_dir).names():
        click.echo(name)
