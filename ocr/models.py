"""Payload and result of ``ocr.extract`` (pydantic; unknown fields are refused)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ocr.config import EngineName

__all__ = ["OcrLine", "OcrPage", "OcrRequest", "OcrResult"]

_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")


class OcrRequest(BaseModel):
    """Exactly one input: ``artifact_key`` or ``artifact_url`` (artifact store) or ``content_base64`` (small file).

    ``artifact_url`` is a download link the artifact store handed out (``pdf.render``'s ``url``); it is read
    through the store by its key, never fetched from wherever it points.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    artifact_key: str | None = Field(default=None, max_length=512)
    artifact_url: str | None = Field(default=None, max_length=4096)
    content_base64: str | None = Field(default=None, max_length=16 * 1024 * 1024)
    #: Language hint: ISO 639-1 (``ro``) or 639-2 (``ron``); default from OCR_DEFAULT_LANGUAGE.
    language: str | None = Field(default=None, min_length=2, max_length=12)
    engine: EngineName | None = None
    #: Rasterisation resolution for PDFs (images keep their own pixels).
    dpi: int | None = Field(default=None, ge=72, le=1200)
    #: 1-based pages to read (PDF and multi-page TIFF); all pages when omitted.
    pages: list[int] | None = Field(default=None, min_length=1, max_length=1000)

    @field_validator("content_base64")
    @classmethod
    def _base64_alphabet(cls, value: str | None) -> str | None:
        if value is not None and not _BASE64.match(value):
            raise ValueError("content_base64 is not base64")
        return value

    @field_validator("pages")
    @classmethod
    def _page_numbers(cls, value: list[int] | None) -> list[int] | None:
        if value is not None:
            if any(p < 1 for p in value):
                raise ValueError("page numbers start at 1")
            value = sorted(set(value))
        return value

    @model_validator(mode="after")
    def _one_input(self) -> OcrRequest:
        if sum(x is not None for x in (self.artifact_key, self.artifact_url, self.content_base64)) != 1:
            raise ValueError("give exactly one of artifact_key, artifact_url, content_base64")
        return self


class OcrLine(BaseModel):
    text: str
    confidence: float
    #: Four corners ``[[x, y], ...]`` clockwise from top-left, in page pixels.
    box: list[list[float]]


class OcrPage(BaseModel):
    number: int
    width: int
    height: int
    #: Resolution the page was rasterised at (PDF), or the image's own when it declares one.
    dpi: int | None = None
    text: str
    confidence: float | None = None
    lines: list[OcrLine]


class OcrResult(BaseModel):
    text: str
    pages: list[OcrPage]
    page_count: int
    engine: str
    language: str
    format: str
    duration_ms: float
