"""The browser host's life cycle with a real Chromium: recycling, crashes (SIGKILL), bad launches, shutdown."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from pdf_render.browser import BrowserHost
from pdf_render.errors import BrowserUnavailableError
from pdf_render.models import RenderRequest
from pdf_render.rendering import RenderedPdf
from pdf_render.service import PdfService
from tests.pdf_render.conftest import CHROMIUM, chromium_browser_pids, chromium_renderer_pids, pdf_text, settings

pytestmark = pytest.mark.chromium


@pytest.fixture
def host() -> Iterator[BrowserHost]:
    h = BrowserHost(CHROMIUM, pool_size=2, restart_after=3)
    yield h
    h.close()


def service_on(host: BrowserHost) -> PdfService:
    return PdfService.build(settings(), host)


def wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_browser_is_recycled_after_n_renders(host: BrowserHost) -> None:
    service = service_on(host)
    pids = []
    for i in range(7):
        rendered = service.render_bytes(RenderRequest(html=f"<p>randare {i}</p>"))
        assert f"randare {i}" in pdf_text(rendered.data)
        pids.append(tuple(chromium_browser_pids(os.getpid())))
    assert host.stats.launches == 3  # renders 1-3, 4-6, 7
    assert host.stats.recycles == 2
    assert len(set(pids)) == 3 and all(len(p) == 1 for p in pids)  # one Chromium at a time, never two


def test_killed_browser_between_renders_is_relaunched(host: BrowserHost) -> None:
    service = service_on(host)
    service.render_bytes(RenderRequest(html="<p>înainte</p>"))
    [pid] = chromium_browser_pids(os.getpid())
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    rendered = service.render_bytes(RenderRequest(html="<p>după crash</p>"))
    assert "după crash" in pdf_text(rendered.data)
    assert host.stats.launches == 2
    assert chromium_browser_pids(os.getpid()) != [pid]


def test_browser_killed_during_a_render_is_retried_transparently(host: BrowserHost) -> None:
    service = service_on(host)
    service.render_bytes(RenderRequest(html="<p>încălzire</p>"))
    [pid] = chromium_browser_pids(os.getpid())
    out: dict[str, object] = {}

    def slow_render() -> None:
        try:
            out["result"] = service.render_bytes(RenderRequest(html="<p>supraviețuitor</p>", options={"wait_ms": 1500}))
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=slow_render)
    thread.start()
    time.sleep(0.6)  # the render is waiting on its page now
    os.kill(pid, signal.SIGKILL)
    thread.join(60)
    assert "error" not in out, out.get("error")
    assert "supraviețuitor" in pdf_text(cast(RenderedPdf, out["result"]).data)
    assert host.stats.crashes == 1 and host.stats.retries == 1 and host.stats.launches == 2


def test_renderer_killed_during_a_render_is_retried_on_a_fresh_page(host: BrowserHost) -> None:
    service = service_on(host)
    service.render_bytes(RenderRequest(html="<p>încălzire</p>"))
    out: dict[str, object] = {}

    def slow_render() -> None:
        try:
            out["result"] = service.render_bytes(RenderRequest(html="<p>pagină nouă</p>", options={"wait_ms": 1500}))
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=slow_render)
    thread.start()
    time.sleep(0.6)
    renderers = chromium_renderer_pids(os.getpid())
    for pid in renderers:
        os.kill(pid, signal.SIGKILL)
    thread.join(60)
    assert renderers
    assert "error" not in out, out.get("error")
    assert "pagină nouă" in pdf_text(cast(RenderedPdf, out["result"]).data)
    assert host.stats.crashes == 1 and host.stats.retries == 1
    assert host.stats.launches == 1  # the browser itself survived: only the page was replaced


def test_missing_chromium_is_a_transient_error(tmp_path: Path) -> None:
    host = BrowserHost(tmp_path / "no-chromium", launch_timeout=5)
    try:
        with pytest.raises(BrowserUnavailableError) as info:
            service_on(host).render_bytes(RenderRequest(html="<p>x</p>"))
        assert info.value.retryable
        assert "no-chromium" in info.value.message
    finally:
        host.close()


def test_close_leaves_no_chromium_behind() -> None:
    host = BrowserHost(CHROMIUM)
    service_on(host).render_bytes(RenderRequest(html="<p>x</p>"))
    assert len(chromium_browser_pids(os.getpid())) == 1
    host.close()
    wait_for(lambda: chromium_browser_pids(os.getpid()) == [])
    with pytest.raises(BrowserUnavailableError):
        host.run(lambda slot: None, javascript=False, timeout=1)  # type: ignore[arg-type,return-value]
