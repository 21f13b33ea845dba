"""``workers-core ocr``: read a scan or PDF locally (no broker) with the worker's own code, engines and limits."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import click
import structlog
from pydantic import ValidationError

from ocr.config import get_settings
from ocr.models import OcrRequest
from shared.errors import PayloadError, WorkerError

__all__ = ["cli"]


def _fail(error: dict[str, Any]) -> None:
    click.echo(json.dumps({"status": "error", "error": error}, ensure_ascii=False, indent=2), err=True)
    sys.exit(1)


@click.group()
def cli() -> None:
    """OCR of images and PDFs (the ocr worker's code, in-process)."""
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", "-l", default=None, help="Language hint (default OCR_DEFAULT_LANGUAGE, ro).")
@click.option("--engine", "-e", type=click.Choice(["rapidocr", "tesseract", "paddleocr"]), default=None)
@click.option("--dpi", type=int, default=None, help="Rasterisation DPI for PDFs (default OCR_DEFAULT_DPI).")
@click.option("--pages", default=None, help="Pages to read, e.g. 1,3-4 (default all).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole result (lines, boxes) as JSON.")
def extract(
    file: Path, language: str | None, engine: str | None, dpi: int | None, pages: str | None, as_json: bool
) -> None:
    """Print the text of FILE (PNG, JPEG, TIFF or PDF); --json for lines with boxes and confidence."""
    from ocr.extraction import build_service

    settings = get_settings()
    data = file.read_bytes()
    payload: dict[str, Any] = {
        "content_base64": base64.b64encode(data).decode("ascii"),
        "language": language,
        "engine": engine,
        "dpi": dpi,
    }
    if pages:
        numbers: list[int] = []
        for part in pages.split(","):
            start, _, end = part.strip().partition("-")
            numbers.extend(range(int(start), int(end or start) + 1))
        payload["pages"] = numbers
    try:
        request = OcrRequest.model_validate({k: v for k, v in payload.items() if v is not None})
    except (ValidationError, ValueError) as exc:
        _fail(
            PayloadError.from_validation_error(exc).to_dict()
            if isinstance(exc, ValidationError)
            else {"message": str(exc)}
        )
        return
    # a local file may be as large as an artifact, not only as large as an inline payload
    service = build_service(settings.model_copy(update={"max_inline_bytes": settings.max_input_bytes}))
    try:
        result = service.extract(request)
    except WorkerError as exc:
        _fail(exc.to_dict())
        return
    if as_json:
        click.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        click.echo(result.text)
        click.echo(
            f"-- {result.page_count} page(s), {result.engine}/{result.language}, {result.duration_ms:.0f} ms", err=True
        )
