"""Real Chromium renders real PDFs: text and diacritics, templates, paper options, waits and limits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from pdf_render.errors import RenderTimeoutError
from pdf_render.models import RenderRequest
from pdf_render.service import PdfService
from shared.errors import PayloadError
from tests.pdf_render.conftest import pdf_reader, pdf_text

pytestmark = pytest.mark.chromium

INVOICE: dict[str, Any] = {
    "number": "FCT-2026-0042",
    "issue_date": "2026-03-12",
    "due_date": "2026-04-11",
    "supplier": {
        "name": "Societatea Construcții Ștefănești SRL",
        "cui": "RO12345678",
        "reg_com": "J40/123/2020",
        "address": "Str. Mărășești 12, București",
        "iban": "RO49AAAA1B31007593840000",
    },
    "customer": {
        "name": "Întreprinderea Țesătoria Bârlad SA",
        "cui": "RO87654321",
        "address": "Bd. Republicii 3, Bârlad",
    },
    "lines": [
        {
            "description": "Servicii de întreținere și reparații",
            "unit": "oră",
            "quantity": 12,
            "unit_price": 150.5,
            "vat_rate": 19,
        },
        {
            "description": "<b>Piese</b> & accesorii",
            "unit": "buc",
            "quantity": 3,
            "unit_price": 1234.56,
            "vat_rate": 19,
        },
    ],
}


def test_html_with_romanian_diacritics(make_service: Callable[..., PdfService]) -> None:
    html = "<h1>Factură</h1><p>Șir de caractere: ăâîșț ĂÂÎȘȚ — „ghilimele”</p>"
    rendered = make_service().render_bytes(RenderRequest(html=html))
    assert rendered.data.startswith(b"%PDF-")
    assert rendered.pages == 1
    text = pdf_text(rendered.data)
    assert "Factură" in text and "ăâîșț ĂÂÎȘȚ" in text and "„ghilimele”" in text


def test_invoice_template_is_autoescaped_and_computes_totals(make_service: Callable[..., PdfService]) -> None:
    rendered = make_service().render_bytes(RenderRequest(template="invoice.html", data=INVOICE))
    text = pdf_text(rendered.data)
    assert "Factură fiscală nr. FCT-2026-0042" in text
    assert "Întreprinderea Țesătoria Bârlad SA" in text
    assert "12.03.2026" in text
    assert "<b>Piese</b> & accesorii" in text  # escaped, shown literally
    assert "6.556,52 lei" in text  # (12*150.50 + 3*1234.56) * 1.19


def test_template_errors_are_payload_errors(make_service: Callable[..., PdfService]) -> None:
    service = make_service()
    with pytest.raises(PayloadError) as info:
        service.render_bytes(RenderRequest(template="nu-exista.html"))
    assert info.value.errors[0]["type"] == "template_not_found"
    with pytest.raises(PayloadError) as info:
        service.render_bytes(RenderRequest(template="invoice.html", data={"number": "1"}))
    assert info.value.errors[0]["loc"] == ["data"]
    assert "undefined" in info.value.errors[0]["msg"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"html": "<p>x</p>", "url": "https://example.ro/"},
        {"template": "../../etc/passwd"},
        {"template": "/etc/passwd.html"},
        {"html": "<p>x</p>", "data": {"a": 1}},
        {"html": "<p>x</p>", "options": {"format": "B9"}},
        {"html": "<p>x</p>", "options": {"margin": {"top": "1 inch"}}},
        {"html": "<p>x</p>", "options": {"width": "100mm"}},
        {"html": "<p>x</p>", "options": {"wait_for_function": "window.ready"}},
        {"html": "<p>x</p>", "filename": "../x.pdf"},
        {"html": "<p>x</p>", "unknown": 1},
    ],
)
def test_bad_payloads_are_refused_by_the_model(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RenderRequest.model_validate(payload)


def test_paper_orientation_margins_and_header_footer(make_service: Callable[..., PdfService]) -> None:
    body = "".join(f"<p style='page-break-after: always'>Pagina de conținut {i}</p>" for i in range(1, 4))
    rendered = make_service().render_bytes(
        RenderRequest(
            html=body,
            options={
                "format": "A5",
                "landscape": True,
                "margin": {"top": "25mm", "bottom": "25mm", "left": "10mm", "right": "10mm"},
                "header_template": "<div style='font-size:9px;width:100%;text-align:center'>Antet firmă</div>",
                "footer_template": "<div style='font-size:9px;width:100%;text-align:center'>"
                "Pagina <span class=pageNumber></span> din <span class=totalPages></span></div>",
            },
        )
    )
    assert rendered.pages == 3
    box = pdf_reader(rendered.data).pages[0].mediabox
    assert abs(float(box.width) - 595) < 2 and abs(float(box.height) - 420) < 2  # A5 landscape, points
    text = pdf_text(rendered.data)
    assert "Antet firmă" in text and "Pagina 2 din 3" in text and "Pagina de conținut 3" in text


def test_custom_size_and_page_ranges(make_service: Callable[..., PdfService]) -> None:
    body = "".join(f"<p style='page-break-after: always'>P{i}</p>" for i in range(1, 6))
    rendered = make_service().render_bytes(
        RenderRequest(html=body, options={"format": None, "width": "100mm", "height": "50mm", "page_ranges": "2-3"})
    )
    assert rendered.pages == 2
    box = pdf_reader(rendered.data).pages[0].mediabox
    assert abs(float(box.width) - 283.46) < 1 and abs(float(box.height) - 141.73) < 1
    assert "P2" in pdf_text(rendered.data) and "P1" not in pdf_text(rendered.data)


def test_wait_for_selector_and_function_with_javascript(make_service: Callable[..., PdfService]) -> None:
    html = (
        "<div id=out>pending</div><script>setTimeout(() => {"
        "document.getElementById('out').textContent = 'Gata, încărcat'; window.ready = true;"
        "const d = document.createElement('p'); d.id = 'late'; d.textContent = 'târziu'; document.body.append(d);"
        "}, 300)</script>"
    )
    rendered = make_service().render_bytes(
        RenderRequest(
            html=html,
            javascript=True,
            options={"wait_for_selector": "#late", "wait_for_function": "window.ready === true"},
        )
    )
    text = pdf_text(rendered.data)
    assert "Gata, încărcat" in text and "târziu" in text


def test_waits_that_never_happen_time_out(make_service: Callable[..., PdfService]) -> None:
    service = make_service()
    with pytest.raises(RenderTimeoutError) as info:
        service.render_bytes(RenderRequest(html="<p>x</p>", timeout=1.5, options={"wait_for_selector": "#never"}))
    assert "#never" in str(info.value)
    with pytest.raises(RenderTimeoutError):  # a page that spins forever
        service.render_bytes(RenderRequest(html="<script>while (true) {}</script>", javascript=True, timeout=2))
    after = service.render_bytes(RenderRequest(html="<p>după timeout</p>"))  # the host is fine afterwards
    assert "după timeout" in pdf_text(after.data)


def test_size_time_and_page_limits(make_service: Callable[..., PdfService]) -> None:
    service = make_service(max_html_bytes=2048, max_pages=2, max_timeout=10)
    with pytest.raises(PayloadError) as info:
        service.render_bytes(RenderRequest(html="<p>" + "ș" * 2000 + "</p>"))
    assert info.value.errors[0]["type"] == "too_large"
    with pytest.raises(PayloadError) as info:
        service.render_bytes(RenderRequest(html="<p>x</p>", timeout=11))
    assert info.value.errors[0]["loc"] == ["timeout"]
    with pytest.raises(PayloadError) as info:
        service.render_bytes(RenderRequest(html="<p style='page-break-after:always'>a</p>" * 3))
    assert "3 pages" in info.value.errors[0]["msg"]


def test_concurrent_renders_share_one_browser_without_cross_talk(make_service: Callable[..., PdfService]) -> None:
    service = make_service()
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(3):
                rendered = service.render_bytes(RenderRequest(html=f"<p>Document {i}-{j} ț</p>"))
                results[i * 10 + j] = pdf_text(rendered.data)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(results) == 12
    for key, text in results.items():
        assert f"Document {key // 10}-{key % 10} ț" in text
        assert sum(f"Document {i}-" in text for i in range(4)) == 1
