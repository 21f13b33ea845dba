"""Input documents as page images: PNG, JPEG, TIFF (multi-page) and PDF (rasterised with pypdfium2).

The format is sniffed from the bytes (never trusted from a name or content type). Every page's size is
checked from its header before any pixel is decoded: a page above ``max_page_pixels`` or a document above
``max_total_pixels`` is refused, so a 50 kB PNG that inflates to gigabytes (a decompression bomb) never
allocates. Pillow's own guard is armed at the same limit and its warning is turned into an error.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageOps, UnidentifiedImageError

from shared.errors import PayloadError

__all__ = ["Document", "DocumentLimits", "PageImage", "open_document", "sniff_format"]

SUPPORTED = "PNG, JPEG, TIFF or PDF"
_PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF"}


@dataclass(frozen=True)
class DocumentLimits:
    max_pages: int = 50
    max_page_pixels: int = 40_000_000
    max_total_pixels: int = 400_000_000


@dataclass
class PageImage:
    number: int
    image: Image.Image
    dpi: int | None


def _error(loc: str, msg: str, kind: str) -> PayloadError:
    return PayloadError("the document cannot be read", errors=[{"loc": [loc], "msg": msg, "type": kind}])


def sniff_format(data: bytes) -> str | None:
    """``png`` / ``jpeg`` / ``tiff`` / ``pdf`` from the magic bytes, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "tiff"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    return None


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB; transparency goes onto white (scans with alpha read as paper)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        low, high = float(array.min()), float(array.max())
        scaled = (array - low) * (255.0 / (high - low)) if high > low else np.zeros_like(array)
        image = Image.fromarray(scaled.astype(np.uint8), mode="L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _dpi_of(image: Image.Image) -> int | None:
    dpi: Any = image.info.get("dpi")
    if isinstance(dpi, tuple) and dpi and dpi[0]:
        try:
            return round(float(dpi[0]))
        except (TypeError, ValueError):
            return None
    return None


class Document:
    """A sniffed, size-checked document; ``pages()`` yields decoded pages one at a time."""

    def __init__(self, data: bytes, *, loc: str, dpi: int, pages: Sequence[int] | None, limits: DocumentLimits):
        self.loc, self.dpi, self.limits = loc, dpi, limits
        fmt = sniff_format(data)
        if fmt is None:
            raise _error(loc, f"unsupported format; send {SUPPORTED}", "unsupported_format")
        self.format = fmt
        self._data = data
        self._pdf: pdfium.PdfDocument | None = None
        self._image: Image.Image | None = None
        if fmt == "pdf":
            try:
                self._pdf = pdfium.PdfDocument(data)
            except pdfium.PdfiumError as exc:
                kind = "encrypted" if "password" in str(exc).lower() else "corrupt"
                raise _error(loc, f"PDF cannot be opened ({exc})", kind) from None
            self.page_count = len(self._pdf)
        else:
            self._image = self._open_image(data, fmt)
            self.page_count = int(getattr(self._image, "n_frames", 1) or 1)
        if self.page_count < 1:
            raise _error(loc, "the document has no pages", "empty")
        self.selected = self._select(pages)
        self._check_sizes()

    def _open_image(self, data: bytes, fmt: str) -> Image.Image:
        Image.MAX_IMAGE_PIXELS = self.limits.max_page_pixels
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                return Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[fmt]])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _error(self.loc, f"image too large: {exc}", "too_large") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise _error(self.loc, f"{fmt.upper()} cannot be decoded: {exc}", "corrupt") from None

    def _select(self, pages: Sequence[int] | None) -> list[int]:
        selected = list(pages) if pages else list(range(1, self.page_count + 1))
        beyond = [p for p in selected if p > self.page_count]
        if beyond:
            raise _error(
                "pages", f"page {beyond[0]} does not exist (the document has {self.page_count})", "out_of_range"
            )
        if len(selected) > self.limits.max_pages:
            raise _error(
                self.loc, f"{len(selected)} pages > limit {self.limits.max_pages}; select pages", "too_many_pages"
            )
        return selected

    def _page_size(self, number: int) -> tuple[int, int]:
        if self._pdf is not None:
            page = self._pdf[number - 1]
            try:
                width_pt, height_pt = page.get_size()
            finally:
                page.close()
            return round(width_pt * self.dpi / 72), round(height_pt * self.dpi / 72)
        assert self._image is not None
        self._image.seek(number - 1)
        return self._image.size

    def _check_sizes(self) -> None:
        total = 0
        for number in self.selected:
            try:
                width, height = self._page_size(number)
            except (EOFError, OSError, ValueError) as exc:
                raise _error(self.loc, f"page {number} cannot be read: {exc}", "corrupt") from None
            if width < 1 or height < 1:
                raise _error(self.loc, f"page {number} is empty ({width}x{height})", "empty")
            pixels = width * height
            if pixels > self.limits.max_page_pixels:
                raise _error(
                    self.loc,
                    f"page {number} is {width}x{height} = {pixels} pixels > limit "
                    f"{self.limits.max_page_pixels}" + (" (lower dpi)" if self._pdf is not None else ""),
                    "too_large",
                )
            total += pixels
        if total > self.limits.max_total_pixels:
            raise _error(self.loc, f"{total} pixels in total > limit {self.limits.max_total_pixels}", "too_large")

    def pages(self) -> Iterator[PageImage]:
        for number in self.selected:
            yield self._render(number)

    def _render(self, number: int) -> PageImage:
        if self._pdf is not None:
            page = self._pdf[number - 1]
            try:
                bitmap = page.render(scale=self.dpi / 72)
                image = bitmap.to_pil()
            except pdfium.PdfiumError as exc:
                raise _error(self.loc, f"page {number} cannot be rasterised: {exc}", "corrupt") from None
            finally:
                page.close()
            return PageImage(number, _to_rgb(image), self.dpi)
        assert self._image is not None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                if self.page_count == 1:
                    self._image.load()  # decode in place: no copy of a single-frame image
                    frame = self._image
                else:
                    self._image.seek(number - 1)
                    frame = self._image.copy()
                    frame.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _error(self.loc, f"image too large: {exc}", "too_large") from None
        except (OSError, ValueError, EOFError, SyntaxError) as exc:
            raise _error(self.loc, f"page {number} cannot be decoded: {exc}", "corrupt") from None
        if self.format == "jpeg":
            frame = ImageOps.exif_transpose(frame) or frame
        return PageImage(number, _to_rgb(frame), _dpi_of(self._image))

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None
        if self._image is not None:
            self._image.close()
            self._image = None

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_document(
    data: bytes, *, loc: str, dpi: int, pages: Sequence[int] | None = None, limits: DocumentLimits | None = None
) -> Document:
    """Sniff, open and size-check ``data``; raises ``PayloadError`` for anything unsupported or too big."""
    return Document(data, loc=loc, dpi=dpi, pages=pages, limits=limits or DocumentLimits())
