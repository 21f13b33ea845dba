"""Errors of the OCR worker, each under one branch of ``shared.errors`` so tasks need no mapping code.

WorkerError
├── PayloadError                 bad input: unsupported format, decompression bomb, too many pages or
│                                pixels, corrupt or encrypted file, unknown language (raised directly)
├── PermanentError
│   ├── OcrConfigurationError    the engine cannot run as configured (``ocr_misconfigured``)
│   ├── OcrTimeoutError          the document did not finish within its time limit (``ocr_timeout``)
│   └── OcrEngineError           the engine failed on this input (``ocr_engine_failed``)
└── TransientError               (none of its own: OCR is local; artifact store errors are shared's)
"""

from __future__ import annotations

from shared.errors import PermanentError

__all__ = ["OcrConfigurationError", "OcrEngineError", "OcrTimeoutError"]


class OcrConfigurationError(PermanentError):
    """The selected engine is not installed or not configured (say which variable to set)."""

    code = "ocr_misconfigured"


class OcrTimeoutError(PermanentError):
    """OCR of this document exceeded its time limit."""

    code = "ocr_timeout"


class OcrEngineError(PermanentError):
    """The engine raised on this input."""

    code = "ocr_engine_failed"
