"""Prometheus metrics of the PDF worker: refused page requests (SSRF attempts) and Chromium (re)launches."""

from __future__ import annotations

from prometheus_client import Counter

import shared  # noqa: F401 - sets PROMETHEUS_MULTIPROC_DIR before prometheus_client is imported

__all__ = ["BLOCKED_REQUESTS", "BROWSER_LAUNCHES"]

BLOCKED_REQUESTS = Counter(
    "workers_core_pdf_blocked_requests_total", "Requests of rendered pages refused by the network policy", ("reason",)
)
BROWSER_LAUNCHES = Counter(
    "workers_core_pdf_browser_launches_total", "Chromium launches by cause (start, recycle, crash)", ("cause",)
)
