"""The OCR service: request -> bytes (artifact or inline) -> page images -> engine -> lines, rows, text."""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass

import structlog

from ocr.config import OcrSettings
from ocr.diacritics import normalize_romanian
from ocr.documents import DocumentLimits, open_document
from ocr.engines import EngineRegistry
from ocr.engines.base import OcrEngine, canonical_language
from ocr.errors import OcrTimeoutError
from ocr.layout import RecognizedLine, page_text, reading_order
from ocr.models import OcrLine, OcrPage, OcrRequest, OcrResult
from shared.artifacts import ArtifactStore, artifact_store
from shared.errors import PayloadError

__all__ = ["OcrService", "build_service"]

log = structlog.get_logger(__name__)


def _too_large(loc: str, size: int, limit: int) -> PayloadError:
    return PayloadError(
        "the document is too large",
        errors=[{"loc": [loc], "msg": f"{size} bytes > limit {limit}", "type": "too_large"}],
    )


@dataclass
class OcrService:
    settings: OcrSettings
    registry: EngineRegistry
    store: ArtifactStore

    def read_input(self, request: OcrRequest) -> tuple[bytes, str]:
        """The document's bytes and the payload field they came from."""
        if request.content_base64 is not None:
            limit = self.settings.max_inline_bytes
            if len(request.content_base64) > (limit * 4) // 3 + 8:
                raise _too_large("content_base64", (len(request.content_base64) * 3) // 4, limit)
            try:
                data = base64.b64decode(request.content_base64, validate=False)
            except (binascii.Error, ValueError):
                raise PayloadError(
                    "content_base64 is not valid base64",
                    errors=[{"loc": ["content_base64"], "msg": "invalid base64", "type": "base64"}],
                ) from None
            if len(data) > limit:
                raise _too_large("content_base64", len(data), limit)
            return data, "content_base64"
        field = "artifact_key" if request.artifact_key is not None else "artifact_url"
        data = self.store.get(request.artifact_key or self.store.key_for_url(str(request.artifact_url)))
        if len(data) > self.settings.max_input_bytes:
            raise _too_large(field, len(data), self.settings.max_input_bytes)
        return data, field

    def engine_for(self, request: OcrRequest) -> tuple[OcrEngine, str]:
        engine = self.registry.get(request.engine or self.settings.engine)
        language = canonical_language(request.language or self.settings.default_language)
        if language not in engine.languages():
            raise PayloadError(
                "language not available",
                errors=[
                    {
                        "loc": ["language"],
                        "msg": f"{engine.name} cannot read {language!r} here "
                        f"(available: {', '.join(sorted(engine.languages()))})",
                        "type": "unsupported_language",
                    }
                ],
            )
        return engine, language

    def extract(self, request: OcrRequest) -> OcrResult:
        started = time.perf_counter()
        deadline = time.monotonic() + self.settings.timeout
        dpi = request.dpi or self.settings.default_dpi
        if dpi > self.settings.max_dpi:
            raise PayloadError(
                "dpi too high",
                errors=[{"loc": ["dpi"], "msg": f"at most {self.settings.max_dpi}", "type": "less_than_equal"}],
            )
        data, loc = self.read_input(request)
        limits = DocumentLimits(self.settings.max_pages, self.settings.max_page_pixels, self.settings.max_total_pixels)
        with open_document(data, loc=loc, dpi=dpi, pages=request.pages, limits=limits) as document:
            engine, language = self.engine_for(request)
            pages: list[OcrPage] = []
            for page in document.pages():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise OcrTimeoutError(
                        f"OCR stopped after {len(pages)} of {len(document.selected)} pages: "
                        f"time limit {self.settings.timeout:g} s"
                    )
                lines = engine.recognize(page.image, language, timeout=min(self.settings.page_timeout, remaining))
                pages.append(self._page(page.number, page.image.size, page.dpi, lines, language))
                if time.monotonic() > deadline:
                    raise OcrTimeoutError(
                        f"OCR exceeded its time limit of {self.settings.timeout:g} s (page {page.number})"
                    )
            fmt = document.format
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        log.info("ocr done", engine=engine.name, pages=len(pages), format=fmt, ms=elapsed)
        return OcrResult(
            text="\n\f\n".join(p.text for p in pages),
            pages=pages,
            page_count=len(pages),
            engine=engine.name,
            language=language,
            format=fmt,
            duration_ms=elapsed,
        )

    @staticmethod
    def _page(
        number: int, size: tuple[int, int], dpi: int | None, found: list[RecognizedLine], language: str
    ) -> OcrPage:
        if language == "ro":
            found = [RecognizedLine(normalize_romanian(x.text), x.confidence, x.box) for x in found]
        rows = reading_order(found)
        ordered = [line for row in rows for line in row]
        lines = [
            OcrLine(
                text=x.text, confidence=round(x.confidence, 4), box=[[round(px, 1), round(py, 1)] for px, py in x.box]
            )
            for x in ordered
        ]
        confidence = round(sum(x.confidence for x in ordered) / len(ordered), 4) if ordered else None
        return OcrPage(
            number=number,
            width=size[0],
            height=size[1],
            dpi=dpi,
            text=page_text(rows),
            confidence=confidence,
            lines=lines,
        )


def build_service(settings: OcrSettings) -> OcrService:
    """The worker's per-process service: the engines load once per process, on first use."""
    return OcrService(settings, EngineRegistry(lambda: settings), artifact_store())
