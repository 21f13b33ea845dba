"""Deep health check of the `pdf.render` worker: Chromium renders a one-line page within 5 s.

The health app runs in the worker's parent process, where no browser lives, so the check launches its
own Chromium, renders, and closes it again; the verdict is cached for 30 s so probes stay cheap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from pdf_render.browser import BrowserHost
from pdf_render.config import get_pdf_settings
from pdf_render.models import PdfOptions
from pdf_render.netpolicy import NetworkPolicy
from pdf_render.rendering import PdfRenderer
from shared.health import DeepCheck

__all__ = ["DEEP_CHECKS", "chromium_check"]

CACHE_SECONDS = 30.0
_lock = threading.Lock()
_cached: tuple[float, dict[str, Any] | None, BaseException | None] | None = None


def _render_once(timeout: float) -> dict[str, Any]:
    settings = get_pdf_settings()
    started = time.perf_counter()
    host = BrowserHost(settings.chromium_path, pool_size=1, launch_timeout=timeout)
    try:
        rendered = PdfRenderer(host, NetworkPolicy()).render(
            html="<p>workers-core pdf.render: verificare ăîșț</p>", options=PdfOptions(), timeout=timeout
        )
    finally:
        host.close(timeout=5)
    return {"pages": rendered.pages, "bytes": len(rendered.data),
            "seconds": round(time.perf_counter() - started, 3), "chromium": str(settings.chromium_path)}


def chromium_check(timeout: float = 4.5) -> Mapping[str, Any]:
    """Launch Chromium and render one line; raises when that fails or takes longer than ``timeout``."""
    global _cached
    with _lock:
        now = time.monotonic()
        if _cached is not None and now - _cached[0] < CACHE_SECONDS:
            _, details, error = _cached
            if error is not None:
                raise error
            return {**(details or {}), "cached": True}
        try:
            details = _render_once(timeout)
        except BaseException as exc:
            _cached = (now, None, exc)
            raise
        if details["pages"] < 1:
            empty = RuntimeError("Chromium produced an empty PDF")
            _cached = (now, None, empty)
            raise empty
        _cached = (now, details, None)
        return details


DEEP_CHECKS: list[DeepCheck] = [DeepCheck("chromium", chromium_check, timeout=5.0)]
