"""Deep health check of the `ocr` worker: the configured engine can run here (models, binaries, languages).

The health app runs in the worker's parent process, where no model is loaded (they live in the pool
children), so the check verifies what the engine needs without loading a model into the parent: the
bundled ONNX files and ONNX Runtime for RapidOCR, the binary and the ``ron`` data for Tesseract, the
packages and model directories for PaddleOCR. Verdicts are cached for 30 s.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from ocr.config import OcrSettings
from ocr.errors import OcrConfigurationError
from shared.health import CachedCheck, DeepCheck

__all__ = ["EngineCheck", "deep_checks"]

CACHE_SECONDS = 30.0


def _rapidocr(settings: OcrSettings) -> dict[str, Any]:
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None or importlib.util.find_spec("onnxruntime") is None:
        raise OcrConfigurationError("rapidocr / onnxruntime are not installed")
    models = Path(spec.origin).parent / "models"
    sizes = {}
    for name in ("PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx"):
        path = models / name
        if not path.is_file() or path.stat().st_size < 1_000_000:
            raise OcrConfigurationError(f"bundled model missing or truncated: {path}")
        sizes[name] = path.stat().st_size
    return {"models": sizes}


def _tesseract(settings: OcrSettings) -> dict[str, Any]:
    from ocr.engines.tesseract import TesseractEngine

    return TesseractEngine(cmd=settings.tesseract_cmd, psm=settings.tesseract_psm).describe()


def _paddleocr(settings: OcrSettings) -> dict[str, Any]:
    from ocr.engines.paddle import check_model_dirs

    check_model_dirs(settings.paddle_det_model_dir, settings.paddle_rec_model_dir, settings.paddle_cls_model_dir)
    if importlib.util.find_spec("paddleocr") is None:
        raise OcrConfigurationError("paddleocr is not installed")
    return {"det": str(settings.paddle_det_model_dir), "rec": str(settings.paddle_rec_model_dir)}


class EngineCheck(CachedCheck):
    """Raises when the configured engine could not run in this container; verdicts cached ``CACHE_SECONDS``."""

    def __init__(self, settings: OcrSettings):
        super().__init__(self._probe, seconds=CACHE_SECONDS)
        self.settings = settings

    def _probe(self) -> dict[str, Any]:
        probe = {"rapidocr": _rapidocr, "tesseract": _tesseract, "paddleocr": _paddleocr}[self.settings.engine]
        return {"engine": self.settings.engine, **probe(self.settings)}


def deep_checks(settings: OcrSettings) -> list[DeepCheck]:
    return [DeepCheck("ocr-engine", EngineCheck(settings), timeout=5.0)]
