"""Errors of the PDF renderer, each under one branch of ``shared.errors`` so tasks need no mapping code.

WorkerError
├── PayloadError                  bad HTML / template / data / URL / options (raised directly, with loc)
├── PermanentError
│   └── RenderError               the document cannot be turned into a PDF (code ``render_failed``)
│       ├── RenderTimeoutError    it did not finish within its time limit (``render_timeout``)
│       ├── RenderCrashError      it crashed the page's renderer twice (``render_crashed``)
│       └── UpstreamStatusError   an allowlisted URL answered 4xx (``upstream_status``)
└── TransientError
    ├── BrowserUnavailableError   Chromium did not start or crashed twice in a row (``browser_unavailable``)
    └── UpstreamUnavailableError  an allowlisted URL answered 5xx or could not be reached (``upstream_unavailable``)
"""

from __future__ import annotations

from shared.errors import PermanentError, TransientError

__all__ = [
    "BrowserUnavailableError",
    "RenderCrashError",
    "RenderError",
    "RenderTimeoutError",
    "UpstreamStatusError",
    "UpstreamUnavailableError",
]


class RenderError(PermanentError):
    """The document cannot be rendered; retrying the same payload cannot help."""

    code = "render_failed"


class RenderTimeoutError(RenderError):
    """The render (load, waits and printing) exceeded its time limit."""

    code = "render_timeout"


class RenderCrashError(RenderError):
    """The page's renderer process crashed on this document twice."""

    code = "render_crashed"


class UpstreamStatusError(RenderError):
    """The allowlisted URL answered with a client error (4xx)."""

    code = "upstream_status"


class BrowserUnavailableError(TransientError):
    """Chromium could not be launched, or died twice during one render."""

    code = "browser_unavailable"


class UpstreamUnavailableError(TransientError):
    """The allowlisted URL answered 5xx or could not be reached; worth another try later."""

    code = "upstream_unavailable"
