"""Payload and result of ``pdf.render`` (pydantic; unknown fields are refused)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["Margins", "PdfOptions", "RenderRequest", "RenderResult"]

_LENGTH = r"^\d{1,4}(\.\d{1,3})?(px|in|cm|mm)$"
_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.(html|htm|j2|html\.j2)$")
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,100}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Margins(_Strict):
    top: str = Field(default="10mm", pattern=_LENGTH)
    right: str = Field(default="10mm", pattern=_LENGTH)
    bottom: str = Field(default="10mm", pattern=_LENGTH)
    left: str = Field(default="10mm", pattern=_LENGTH)


class PdfOptions(_Strict):
    """Paper, margins, header/footer and when the page counts as ready (Gotenberg's vocabulary)."""

    format: Literal["A3", "A4", "A5", "Letter", "Legal", "Tabloid"] | None = "A4"
    width: str | None = Field(default=None, pattern=_LENGTH)
    height: str | None = Field(default=None, pattern=_LENGTH)
    landscape: bool = False
    margin: Margins = Margins()
    print_background: bool = True
    prefer_css_page_size: bool = False
    scale: float = Field(default=1.0, ge=0.1, le=2.0)
    page_ranges: str | None = Field(default=None, pattern=r"^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$")
    header_template: str | None = Field(default=None, max_length=65536)
    footer_template: str | None = Field(default=None, max_length=65536)
    tagged: bool = False
    outline: bool = False
    media: Literal["print", "screen"] = "print"
    #: Load event to wait for before printing.
    wait_until: Literal["load", "domcontentloaded", "networkidle"] = "load"
    #: CSS selector that must be attached before printing.
    wait_for_selector: str | None = Field(default=None, max_length=500)
    #: JavaScript expression that must become truthy (needs ``javascript``).
    wait_for_function: str | None = Field(default=None, max_length=2000)
    #: Extra fixed delay before printing, in milliseconds.
    wait_ms: int = Field(default=0, ge=0, le=10_000)

    @model_validator(mode="after")
    def _paper(self) -> PdfOptions:
        if (self.width is None) != (self.height is None):
            raise ValueError("width and height go together")
        return self


class RenderRequest(_Strict):
    """Exactly one source: ``html``, ``template`` (+ ``data``) or ``url`` (allowlisted hosts only)."""

    html: str | None = None
    template: str | None = Field(default=None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict)
    url: str | None = Field(default=None, max_length=8192)
    options: PdfOptions = PdfOptions()
    #: Run the page's scripts (off by default; a fresh browser context is used when on).
    javascript: bool = False
    #: Seconds for load + waits + printing (default and ceiling from settings).
    timeout: float | None = Field(default=None, gt=0)
    filename: str = "document.pdf"

    @field_validator("template")
    @classmethod
    def _template_name(cls, value: str | None) -> str | None:
        if value is not None and not _TEMPLATE_NAME.match(value):
            raise ValueError("template must be a relative name like 'invoice.html' (letters, digits, _ - /)")
        return value

    @field_validator("filename")
    @classmethod
    def _filename(cls, value: str) -> str:
        if not _FILENAME.match(value):
            raise ValueError("filename may hold letters, digits, space, '.', '_' and '-' only")
        return value if value.lower().endswith(".pdf") else f"{value}.pdf"

    @model_validator(mode="after")
    def _one_source(self) -> RenderRequest:
        given = [name for name in ("html", "template", "url") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of html, template, url (got {', '.join(given) or 'none'})")
        if self.data and self.template is None:
            raise ValueError("data is only used with template")
        if self.options.wait_for_function and not self.javascript:
            raise ValueError("options.wait_for_function needs javascript=true")
        return self


class RenderResult(BaseModel):
    """Where the PDF went and what it is."""

    key: str
    size: int
    sha256: str
    content_type: str = "application/pdf"
    pages: int
    render_ms: float
    #: Requests the page made that the network policy refused (first 20, with the reason).
    blocked: list[dict[str, str]] = Field(default_factory=list)
    #: Presigned download URL of the PDF and when it stops working (S3 artifact store only).
    url: str | None = None
    expires_at: datetime | None = None
