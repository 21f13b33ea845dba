"""Deep health check of the `pdf.render` worker: Chromium renders a one-line page within 5 s.

The health app runs in the worker's parent process, where no browser lives, so the check launches its
own Chromium, renders, and closes it again; the verdict (pass or fail) is cached for 30 s so probes stay cheap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from pdf_render.browser import BrowserHost
from pdf_render.config import PdfRenderSettings
from pdf_render.models import PdfOptions
from pdf_render.netpolicy import NetworkPolicy
from pdf_render.rendering import PdfRenderer
from shared.health import DeepCheck

__all__ = ["ChromiumCheck", "chromium_check", "deep_checks"]

CACHE_SECONDS = 30.0


def chromium_check(settings: PdfRenderSettings, timeout: float = 4.5) -> dict[str, Any]:
    """Launch Chromium and render one line; raises when that fails, is empty or takes longer than ``timeout``."""
    started = time.perf_counter()
    host = BrowserHost(settings.chromium_path, pool_size=1, launch_timeout=timeout)
    try:
        rendered = PdfRenderer(host, NetworkPolicy()).render(
            html="<p>workers-core pdf.render: verificare ăîșț</p>", options=PdfOptions(), timeout=timeout
        )
    finally:
        host.close(timeout=5)
    if rendered.pages < 1:
        raise RuntimeError("Chromium produced an empty PDF")
    return {
        "pages": rendered.pages,
        "bytes": len(rendered.data),
        "seconds": round(time.perf_counter() - started, 3),
        "chromium": str(settings.chromium_path),
    }


class ChromiumCheck:
    """``chromium_check`` with its verdict, success or failure, kept ``cache_seconds``."""

    def __init__(self, settings: PdfRenderSettings, *, cache_seconds: float = CACHE_SECONDS, timeout: float = 4.5):
        self.settings = settings
        self.cache_seconds = cache_seconds
        self.timeout = timeout
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any] | None, BaseException | None] | None = None

    def __call__(self) -> Mapping[str, Any]:
        with self._lock:  # one probe at a time: a second caller waits for the first verdict
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self.cache_seconds:
                _, details, error = self._cached
                if error is not None:
                    raise error
                return {**(details or {}), "cached": True}
            try:
                details = chromium_check(self.settings, self.timeout)
            except BaseException as exc:
                self._cached = (now, None, exc)
                raise
            self._cached = (now, details, None)
            return details


def deep_checks(settings: PdfRenderSettings) -> list[DeepCheck]:
    return [DeepCheck("chromium", ChromiumCheck(settings), timeout=5.0)]
