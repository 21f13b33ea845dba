"""The OCR service end to end in-process: artifact store and inline inputs, PDFs from Chromium, limits."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from pydantic import ValidationError

from ocr.engines import EngineRegistry
from ocr.errors import OcrTimeoutError
from ocr.extraction import OcrService
from ocr.models import OcrRequest
from shared.artifacts import FilesystemArtifactStore
from shared.errors import PayloadError
from tests.ocr.conftest import PARAGRAPH, cer, encode, ocr_settings, text_image


@pytest.fixture
def store(tmp_path: Path) -> FilesystemArtifactStore:
    return FilesystemArtifactStore(tmp_path / "artifacts")


def service(registry: EngineRegistry, store: FilesystemArtifactStore, **overrides: object) -> OcrService:
    return OcrService(ocr_settings(**overrides), registry, store)


@pytest.mark.chromium
def test_pdf_made_by_chromium_is_rasterised_and_read(
    engine_registry: EngineRegistry, store: FilesystemArtifactStore
) -> None:
    from pdf_render.browser import BrowserHost
    from pdf_render.models import PdfOptions
    from pdf_render.netpolicy import NetworkPolicy
    from pdf_render.rendering import PdfRenderer

    html = (
        "<style>body{font-family:'DejaVu Sans';font-size:14pt}</style>"
        + "".join(f"<p>{line}</p>" for line in PARAGRAPH[:3])
        + "<p style='page-break-before:always'>Pagina a doua: mulțumim pentru colaborare.</p>"
    )
    host = BrowserHost(Path("/usr/bin/chromium"), pool_size=1)
    try:
        pdf = PdfRenderer(host, NetworkPolicy()).render(html=html, options=PdfOptions()).data
    finally:
        host.close()
    ref = store.put(pdf, name="scan.pdf", content_type="application/pdf")
    result = service(engine_registry, store).extract(OcrRequest(artifact_key=ref.key, dpi=150))
    assert result.format == "pdf" and result.page_count == 2 and result.engine == "rapidocr"
    first, second = result.pages
    assert cer("\n".join(PARAGRAPH[:3]), first.text) <= 0.03, first.text
    assert "mulțumim pentru colaborare" in second.text
    assert first.dpi == 150 and abs(first.width - 1240) <= 3 and abs(first.height - 1754) <= 4  # A4 at 150 dpi
    line = first.lines[0]
    assert 0.5 < line.confidence <= 1 and len(line.box) == 4
    xs, ys = [p[0] for p in line.box], [p[1] for p in line.box]
    assert 0 <= min(xs) < max(xs) <= first.width and 0 <= min(ys) < max(ys) <= first.height
    assert result.text.split("\n\f\n")[1] == second.text


def test_inline_png_and_page_selection_of_a_tiff(
    engine_registry: EngineRegistry, store: FilesystemArtifactStore
) -> None:
    svc = service(engine_registry, store)
    image = text_image(PARAGRAPH[:2], width=1400)
    result = svc.extract(OcrRequest(content_base64=base64.b64encode(encode(image)).decode(), language="ron"))
    assert result.language == "ro" and result.format == "png"
    assert cer("\n".join(PARAGRAPH[:2]), result.text) <= 0.03, result.text

    frames = [text_image([f"Pagina numărul {i}"], width=900) for i in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    ref = store.put(buffer.getvalue(), name="scan.tiff", content_type="image/tiff")
    result = svc.extract(OcrRequest(artifact_key=ref.key, pages=[3]))
    assert [p.number for p in result.pages] == [3] and "Pagina numărul 3" in result.text


def test_bad_inputs_are_payload_errors(engine_registry: EngineRegistry, store: FilesystemArtifactStore) -> None:
    svc = service(engine_registry, store, max_inline_bytes=4096, max_dpi=300)
    png = encode(text_image(["x"], width=200))
    cases = [
        (OcrRequest(content_base64=base64.b64encode(b"GIF89a" + b"\0" * 100).decode()), "unsupported_format"),
        (OcrRequest(content_base64=base64.b64encode(b"\0" * 5000).decode()), "too_large"),
        (OcrRequest(content_base64=base64.b64encode(png).decode(), language="xx"), "unsupported_language"),
        (OcrRequest(content_base64=base64.b64encode(png).decode(), language="ja"), "unsupported_language"),
        (OcrRequest(content_base64=base64.b64encode(png).decode(), dpi=600), "less_than_equal"),
        (OcrRequest(artifact_key="../../etc/passwd"), "value_error"),
    ]
    for request, kind in cases:
        with pytest.raises(PayloadError) as info:
            svc.extract(request)
        assert info.value.errors[0]["type"] == kind, (request, info.value.errors)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"artifact_key": "a/b.png", "content_base64": "aGk="},
        {"content_base64": "not base64 !!!"},
        {"artifact_key": "a/b.png", "pages": [0]},
        {"artifact_key": "a/b.png", "engine": "easyocr"},
        {"artifact_key": "a/b.png", "extra": True},
    ],
)
def test_payload_model_refuses(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        OcrRequest.model_validate(payload)


def test_time_limit_stops_between_pages(engine_registry: EngineRegistry, store: FilesystemArtifactStore) -> None:
    engine_registry.get("rapidocr")  # loaded already: the limit measures OCR, not model loading
    frames = [text_image([f"Pagina {i}"], width=600) for i in (1, 2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    ref = store.put(buffer.getvalue(), name="two.tiff", content_type="image/tiff")
    with pytest.raises(OcrTimeoutError) as info:
        service(engine_registry, store, timeout=0.05).extract(OcrRequest(artifact_key=ref.key))
    assert info.value.code == "ocr_timeout" and not info.value.retryable
