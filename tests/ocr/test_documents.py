"""Input handling without any engine: format sniffing, decompression bombs, page and pixel limits, modes."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter

from ocr.documents import DocumentLimits, open_document, sniff_format
from shared.errors import PayloadError
from tests.ocr.conftest import encode, text_image


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit grayscale PNG of width x height, all white: a few kB on disk, huge once decoded."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def errors_of(info: pytest.ExceptionInfo[PayloadError]) -> dict[str, object]:
    return info.value.errors[0]


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"\x89PNG\r\n\x1a\n...", "png"),
        (b"\xff\xd8\xff\xe0...", "jpeg"),
        (b"II*\x00...", "tiff"),
        (b"MM\x00*...", "tiff"),
        (b"%PDF-1.7\n...", "pdf"),
        (b"GIF89a...", None),
        (b"BM...", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"", None),
    ],
)
def test_format_is_sniffed_from_bytes(data: bytes, fmt: str | None) -> None:
    assert sniff_format(data) == fmt


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "WEBP"])
def test_unsupported_formats_are_payload_errors(fmt: str) -> None:
    data = encode(Image.new("RGB", (20, 20), "white"), fmt)
    with pytest.raises(PayloadError) as info:
        open_document(data, loc="content_base64", dpi=200)
    assert errors_of(info)["type"] == "unsupported_format"
    assert errors_of(info)["loc"] == ["content_base64"]


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = png_bomb(60_000, 60_000)  # 3.6 gigapixels
    assert len(bomb) < 1_000_000
    with pytest.raises(PayloadError) as info:
        open_document(bomb, loc="artifact_key", dpi=200, limits=DocumentLimits(max_page_pixels=40_000_000))
    assert errors_of(info)["type"] == "too_large"


def test_page_just_over_the_pixel_limit_is_refused_by_the_explicit_check() -> None:
    # above our limit but below Pillow's own 2x bomb threshold: the explicit check catches it
    data = png_bomb(1100, 1000)
    with pytest.raises(PayloadError) as info:
        open_document(data, loc="artifact_key", dpi=200, limits=DocumentLimits(max_page_pixels=1_000_000))
    assert errors_of(info)["type"] == "too_large"


def test_truncated_and_garbage_images_are_corrupt() -> None:
    data = encode(text_image(["Linie"], width=600))
    with pytest.raises(PayloadError) as info:
        doc = open_document(data[: len(data) // 2], loc="content_base64", dpi=200)
        list(doc.pages())
    assert errors_of(info)["type"] == "corrupt"
    with pytest.raises(PayloadError) as info:
        open_document(b"%PDF-1.7\nthis is not a pdf", loc="content_base64", dpi=200)
    assert errors_of(info)["type"] == "corrupt"


def multipage_tiff(n: int) -> bytes:
    frames = [text_image([f"Pagina {i}"], width=500, size=40) for i in range(1, n + 1)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    return buffer.getvalue()


def test_multipage_tiff_page_selection_and_limits() -> None:
    data = multipage_tiff(4)
    with open_document(data, loc="content_base64", dpi=200, pages=[2, 4]) as doc:
        assert doc.format == "tiff" and doc.page_count == 4
        assert [p.number for p in doc.pages()] == [2, 4]
    with pytest.raises(PayloadError) as info:
        open_document(data, loc="content_base64", dpi=200, limits=DocumentLimits(max_pages=3))
    assert errors_of(info)["type"] == "too_many_pages"
    with pytest.raises(PayloadError) as info:
        open_document(data, loc="content_base64", dpi=200, pages=[5])
    assert errors_of(info)["loc"] == ["pages"]


def image_pdf(pages: int, size: tuple[int, int] = (1240, 1754)) -> bytes:
    frames = [text_image([f"Pagina {i}"], width=size[0], size=60).resize(size) for i in range(1, pages + 1)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="PDF", save_all=True, append_images=frames[1:], resolution=150)
    return buffer.getvalue()


def test_pdf_pages_are_rasterised_at_the_chosen_dpi_and_limited() -> None:
    data = image_pdf(3)
    with open_document(data, loc="artifact_key", dpi=100) as doc:
        pages = list(doc.pages())
    assert doc.format == "pdf" and len(pages) == 3
    # 1240x1754 px at 150 dpi = 8.27 x 11.69 in (A4); at 100 dpi that is 827 x 1169
    assert abs(pages[0].image.size[0] - 827) <= 1 and abs(pages[0].image.size[1] - 1169) <= 1
    assert pages[0].image.mode == "RGB" and pages[0].dpi == 100
    with pytest.raises(PayloadError) as info:  # A4 at 1200 dpi = 139 MP
        open_document(data, loc="artifact_key", dpi=1200)
    assert errors_of(info)["type"] == "too_large" and "lower dpi" in str(errors_of(info)["msg"])
    with pytest.raises(PayloadError) as info:
        open_document(data, loc="artifact_key", dpi=100, limits=DocumentLimits(max_pages=2))
    assert errors_of(info)["type"] == "too_many_pages"
    with pytest.raises(PayloadError) as info:
        open_document(data, loc="artifact_key", dpi=100, limits=DocumentLimits(max_total_pixels=2_000_000))
    assert errors_of(info)["type"] == "too_large"


def test_encrypted_pdf_is_refused() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret-ș", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(PayloadError) as info:
        open_document(buffer.getvalue(), loc="artifact_key", dpi=100)
    assert errors_of(info)["type"] in ("encrypted", "corrupt")
    assert "password" in str(errors_of(info)["msg"]).lower()


@pytest.mark.parametrize(
    "make",
    [
        lambda: Image.new("RGBA", (64, 32), (0, 0, 0, 0)),
        lambda: Image.new("LA", (64, 32), (0, 0)),
        lambda: Image.new("P", (64, 32), 3),
        lambda: Image.new("1", (64, 32), 1),
        lambda: Image.new("I;16", (64, 32), 40000),
        lambda: Image.new("CMYK", (64, 32), (0, 0, 0, 0)),
    ],
)
def test_every_pixel_mode_becomes_rgb(make) -> None:  # type: ignore[no-untyped-def]
    image = make()
    fmt = "JPEG" if image.mode == "CMYK" else ("TIFF" if image.mode == "I;16" else "PNG")
    with open_document(encode(image, fmt), loc="content_base64", dpi=200) as doc:
        (page,) = list(doc.pages())
    assert page.image.mode == "RGB" and page.image.size == (64, 32)
    if image.mode in ("RGBA", "LA"):
        assert page.image.getpixel((5, 5)) == (255, 255, 255)  # transparency reads as paper
