"""SSRF guards for real: pages point at canary servers on loopback; the servers must record no hit and the
PDF must not contain their canary text. A positive control (the same server, explicitly trusted) proves the
harness would see a leak."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pdf_render.models import RenderRequest
from pdf_render.service import PdfService
from shared.errors import PayloadError
from tests.pdf_render.conftest import CanaryServer, pdf_text

pytestmark = pytest.mark.chromium

MARKER = "DOCUMENT-OK ăîșțâ ĂÎȘȚÂ"


def attack_html(c: CanaryServer, c6: CanaryServer, secret_file: Path) -> str:
    p, p6 = c.port, c6.port
    o = f"http://127.0.0.1:{p}"
    srcdoc_refresh = f"<meta http-equiv='refresh' content='0;url={o}/page/f1'>"
    srcdoc_base = f"<base href='{o}/'><img src='img/g1'><link rel=stylesheet href='css/g2'>"
    return f"""<!DOCTYPE html><html><head>
<link rel="stylesheet" href="{o}/css/c1">
<style>
  @import url("{o}/css/c2");
  @font-face {{ font-family: leak; src: url("{o}/img/c4"); }}
  .bg {{ background-image: url("{o}/img/c3"); font-family: leak; list-style-image: url("{o}/img/c5"); }}
  .cur {{ cursor: url("{o}/img/c6"), auto; border-image: url("{o}/img/c7") 30 round; }}
</style>
<link rel="prefetch" href="{o}/page/e1"><link rel="preload" as="image" href="{o}/img/e2">
<link rel="dns-prefetch" href="{o}"><link rel="preconnect" href="{o}"><link rel="icon" href="{o}/img/e3">
<link rel="manifest" href="{o}/page/e4">
<script src="{o}/page/s1"></script>
</head><body>
<h1>{MARKER}</h1>
<ul class="bg cur"><li>item</li></ul>
<img src="{o}/img/a1">
<img src="HTTP://127.0.0.1:{p}/img/a2">
<img src="http://2130706433:{p}/img/a3">
<img src="http://0x7f.0.0.1:{p}/img/a4">
<img src="http://0177.0.0.1:{p}/img/a5">
<img src="http://127.1:{p}/img/a6">
<img src="http://[::ffff:127.0.0.1]:{p}/img/a7">
<img src="http://localhost:{p}/img/a8">
<img src="http://LOCALHOST.:{p}/img/a9">
<img src="http://0.0.0.0:{p}/img/a10">
<img src="http://[::1]:{p6}/img/i1">
<img src="http://169.254.169.254/latest/meta-data/">
<img srcset="{o}/img/j1 1x, {o}/img/j2 2x">
<picture><source srcset="{o}/img/d5"><img src="{o}/img/d7"></picture>
<input type="image" src="{o}/img/j3">
<iframe src="{o}/page/b1"></iframe>
<iframe src="HtTp://localhost:{p}/page/b2"></iframe>
<iframe src="file://{secret_file}"></iframe>
<iframe src="FILE://{secret_file}"></iframe>
<iframe src="data:text/html,<img src='{o}/img/h1'><iframe src='{o}/page/h2'></iframe>"></iframe>
<iframe srcdoc="{srcdoc_refresh}"></iframe>
<iframe srcdoc="{srcdoc_base}"></iframe>
<object data="{o}/page/d1"></object>
<embed src="{o}/page/d2">
<video poster="{o}/img/d3"></video>
<audio src="{o}/img/d4"></audio>
<svg width="10" height="10"><image href="{o}/img/d6" width="10" height="10"/><use href="{o}/page/k1#x"/></svg>
<a href="{o}/page/never">link text only</a>
</body></html>"""


def settle_and_assert_no_hits(*servers: CanaryServer) -> None:
    time.sleep(0.5)  # anything still in flight would have arrived by now
    for server in servers:
        assert server.hits == [], f"requests reached {server.origin}: {server.hits}"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.html"
    path.write_text("<p>CANARY-FILE-SECRET</p>", encoding="utf-8")
    return path


def test_no_reference_reaches_loopback_by_default(
    make_service: Callable[..., PdfService], canary: CanaryServer, canary6: CanaryServer, secret_file: Path
) -> None:
    service = make_service()
    rendered = service.render_bytes(RenderRequest(html=attack_html(canary, canary6, secret_file)))
    text = pdf_text(rendered.data)
    assert MARKER in text  # the document itself rendered
    assert "CANARY" not in text
    settle_and_assert_no_hits(canary, canary6)
    assert rendered.refused, "the policy should have seen and refused the page's requests"
    assert {v.reason for v in rendered.refused} == {"scheme"}  # http is off by default


def test_private_ranges_are_refused_even_when_allowlisted(
    make_service: Callable[..., PdfService], canary: CanaryServer, canary6: CanaryServer, secret_file: Path
) -> None:
    service = make_service(
        allow_http=True,
        url_allowlist=["127.0.0.1", "localhost", "0.0.0.0", "[::1]", "[::ffff:127.0.0.1]", "169.254.169.254"],
    )
    rendered = service.render_bytes(RenderRequest(html=attack_html(canary, canary6, secret_file)))
    text = pdf_text(rendered.data)
    assert MARKER in text and "CANARY" not in text
    settle_and_assert_no_hits(canary, canary6)
    reasons = {v.reason for v in rendered.refused}
    assert {"loopback", "unspecified", "metadata"} <= reasons, reasons
    hosts = {v.host for v in rendered.refused}
    assert {"127.0.0.1", "::1", "::ffff:7f00:1", "localhost", "169.254.169.254"} <= hosts, hosts


def test_positive_control_trusted_origin_is_fetched(
    make_service: Callable[..., PdfService], canary: CanaryServer
) -> None:
    """Same kind of references, but the server is allowlisted AND trusted: hits and canary text appear."""
    service = make_service(
        allow_http=True, url_allowlist=[f"127.0.0.1:{canary.port}"], trusted_networks=["127.0.0.1/32"]
    )
    o = canary.origin
    html = (
        f"<h1>{MARKER}</h1><link rel=stylesheet href='{o}/css/ok1'><img src='{o}/img/ok2'>"
        f"<iframe src='{o}/page/ok3'></iframe>"
    )
    rendered = service.render_bytes(RenderRequest(html=html))
    text = pdf_text(rendered.data)
    assert "CANARY-ok1" in text and "CANARY-ok3" in text
    assert {"/css/ok1", "/img/ok2", "/page/ok3"} <= set(canary.paths())
    assert rendered.refused == []
    # Host header carries the name, cookies set by the server never come back
    assert all(host == f"127.0.0.1:{canary.port}" for _path, host in canary.hits)


def test_redirects_into_forbidden_ranges_are_refused(
    make_service: Callable[..., PdfService], canary: CanaryServer, trusted_origin: CanaryServer, secret_file: Path
) -> None:
    service = make_service(
        allow_http=True,
        url_allowlist=[f"127.0.0.2:{trusted_origin.port}", "127.0.0.1", "169.254.169.254"],
        trusted_networks=["127.0.0.2/32"],
    )
    t = trusted_origin.origin
    targets = [
        f"{canary.origin}/img/r1",
        f"http://2130706433:{canary.port}/page/r2",
        f"file://{secret_file}",
        "http://169.254.169.254/latest/meta-data/",
    ]
    html = (
        f"<h1>{MARKER}</h1>"
        + "".join(f"<iframe src='{t}/redirect?to={target}'></iframe>" for target in targets)
        + f"<img src='{t}/img/fine'>"
    )
    rendered = service.render_bytes(RenderRequest(html=html))
    text = pdf_text(rendered.data)
    assert MARKER in text and "CANARY" not in text
    settle_and_assert_no_hits(canary)
    assert "/img/fine" in trusted_origin.paths()
    assert sum(path.startswith("/redirect") for path in trusted_origin.paths()) == len(targets)
    assert {"loopback", "scheme", "metadata"} <= {v.reason for v in rendered.refused}


def test_meta_refresh_of_the_main_document_goes_nowhere(
    make_service: Callable[..., PdfService], canary: CanaryServer
) -> None:
    service = make_service()
    html = f"<meta http-equiv='refresh' content='0;url={canary.origin}/page/m1'><p>{MARKER}</p>"
    service.render_bytes(RenderRequest(html=html, options={"wait_ms": 500}))
    settle_and_assert_no_hits(canary)


def test_javascript_cannot_reach_loopback_either(
    make_service: Callable[..., PdfService], canary: CanaryServer, canary6: CanaryServer
) -> None:
    service = make_service(allow_http=True, url_allowlist=["127.0.0.1", "[::1]", "localhost"])
    o, p = canary.origin, canary.port
    script = f"""
      document.getElementById('js').textContent = 'JS-RAN';
      fetch('{o}/page/js1').catch(() => {{}});
      fetch('http://2130706433:{p}/page/js2', {{mode: 'no-cors'}}).catch(() => {{}});
      const x = new XMLHttpRequest(); x.open('GET', '{o}/page/js3'); x.send();
      try {{ new WebSocket('ws://127.0.0.1:{p}/ws/js4'); }} catch (e) {{}}
      try {{ new WebSocket('ws://localhost:{p}/ws/js5'); }} catch (e) {{}}
      try {{ new EventSource('{o}/page/js6'); }} catch (e) {{}}
      navigator.sendBeacon('{o}/page/js7', 'x');
      new Image().src = 'http://[::1]:{canary6.port}/img/js8';
      const f = document.createElement('iframe'); f.src = '{o}/page/js9'; document.body.appendChild(f);
      try {{ new Worker('{o}/page/js10'); }} catch (e) {{}}
      try {{ window.open('{o}/page/js11'); }} catch (e) {{}}
      import('{o}/page/js12').catch(() => {{}});
    """
    html = f"<h1>{MARKER}</h1><p id='js'>no-js</p><script>{script}</script>"
    rendered = service.render_bytes(RenderRequest(html=html, javascript=True, options={"wait_ms": 1000}))
    text = pdf_text(rendered.data)
    assert "JS-RAN" in text  # scripts did run: the guards, not a dead script, stopped them
    settle_and_assert_no_hits(canary, canary6)


def test_javascript_is_off_unless_enabled(make_service: Callable[..., PdfService]) -> None:
    rendered = make_service().render_bytes(
        RenderRequest(
            html=f"<p>{MARKER}</p><p id=x>static</p><script>document.getElementById('x').textContent='JS-RAN'</script>"
        )
    )
    text = pdf_text(rendered.data)
    assert "static" in text and "JS-RAN" not in text


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{p}/page/u1",
        "HTTP://127.0.0.1:{p}/page/u2",
        "http://2130706433:{p}/page/u3",
        "http://0x7f.0.0.1:{p}/page/u4",
        "http://0177.0.0.1:{p}/page/u5",
        "http://[::ffff:127.0.0.1]:{p}/page/u6",
        "http://localhost:{p}/page/u7",
        "http://0.0.0.0:{p}/page/u8",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "ftp://127.0.0.1:{p}/",
        "javascript:alert(1)",
        "data:text/html,<p>hi</p>",
        "http://127.0.0.1:{p}\\@example.ro/page/u9",
    ],
)
def test_url_mode_refuses_forbidden_targets(
    make_service: Callable[..., PdfService], canary: CanaryServer, template: str
) -> None:
    service = make_service(
        allow_http=True,
        url_allowlist=["127.0.0.1", "localhost", "0.0.0.0", "[::ffff:127.0.0.1]", "169.254.169.254", "[fd00:ec2::254]"],
    )
    url = template.format(p=canary.port)
    with pytest.raises(PayloadError) as info:
        service.render_bytes(RenderRequest(url=url))
    assert info.value.errors[0]["loc"] == ["url"]
    assert info.value.errors[0]["type"] == "url_refused"
    settle_and_assert_no_hits(canary)


def test_url_mode_renders_an_allowlisted_trusted_page_but_not_its_redirect_to_loopback(
    make_service: Callable[..., PdfService], canary: CanaryServer, trusted_origin: CanaryServer
) -> None:
    service = make_service(
        allow_http=True,
        url_allowlist=[f"127.0.0.2:{trusted_origin.port}", "127.0.0.1"],
        trusted_networks=["127.0.0.2/32"],
    )
    ok = service.render_bytes(RenderRequest(url=f"{trusted_origin.origin}/page/url-ok"))
    assert "CANARY-url-ok" in pdf_text(ok.data)
    with pytest.raises(PayloadError) as info:
        service.render_bytes(RenderRequest(url=f"{trusted_origin.origin}/redirect?to={canary.origin}/page/x"))
    assert "loopback" in info.value.errors[0]["msg"]
    settle_and_assert_no_hits(canary)


def test_url_mode_maps_upstream_status(make_service: Callable[..., PdfService], trusted_origin: CanaryServer) -> None:
    from pdf_render.errors import UpstreamStatusError, UpstreamUnavailableError

    service = make_service(
        allow_http=True, url_allowlist=[f"127.0.0.2:{trusted_origin.port}"], trusted_networks=["127.0.0.2/32"]
    )
    with pytest.raises(UpstreamStatusError):
        service.render_bytes(RenderRequest(url=f"{trusted_origin.origin}/status/404"))
    with pytest.raises(UpstreamUnavailableError):
        service.render_bytes(RenderRequest(url=f"{trusted_origin.origin}/status/503"))
