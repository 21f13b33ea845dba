"""Builds the configured engine once per worker process (``ProcessResource``) and hands it out."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import structlog

from ocr.config import EngineName, OcrSettings
from ocr.engines.base import OcrEngine
from ocr.errors import OcrConfigurationError
from shared.resources import ProcessResource

__all__ = ["EngineRegistry", "build_engine"]

log = structlog.get_logger(__name__)


def build_engine(name: EngineName, settings: OcrSettings) -> OcrEngine:
    """Construct (and warm up) engine ``name``; ``OcrConfigurationError`` says what is missing."""
    if name == "rapidocr":
        from ocr.engines.rapid import RapidOcrEngine

        return RapidOcrEngine(
            det_limit_type=settings.det_limit_type,
            det_limit_side_len=settings.det_limit_side_len,
            use_cls=settings.use_cls,
            threads=settings.threads,
        )
    if name == "tesseract":
        from ocr.engines.tesseract import TesseractEngine

        return TesseractEngine(
            cmd=settings.tesseract_cmd, psm=settings.tesseract_psm, threads=settings.tesseract_threads
        )
    if name == "paddleocr":
        from ocr.engines.paddle import PaddleOcrEngine

        return PaddleOcrEngine(
            det_dir=settings.paddle_det_model_dir,
            rec_dir=settings.paddle_rec_model_dir,
            cls_dir=settings.paddle_cls_model_dir,
            threads=settings.threads,
        )
    raise OcrConfigurationError(f"unknown OCR engine {name!r}")


class EngineRegistry:
    """One lazily built engine per name and process; a failed build is retried on the next request."""

    def __init__(self, settings: Callable[[], OcrSettings]):
        self._settings = settings
        self._engines: dict[str, ProcessResource[OcrEngine]] = {}

    def get(self, name: EngineName) -> OcrEngine:
        resource = self._engines.get(name)
        if resource is None:
            resource = ProcessResource(lambda: self._build(name), name=f"ocr-engine-{name}")
            self._engines.setdefault(name, resource)
            resource = self._engines[name]
        return resource.get()

    def _build(self, name: EngineName) -> OcrEngine:
        started = time.perf_counter()
        engine = build_engine(name, self._settings())
        log.info("ocr engine loaded", engine=name, pid=os.getpid(), seconds=round(time.perf_counter() - started, 3))
        return engine

    def loaded(self) -> list[str]:
        return [name for name, res in self._engines.items() if res.created]
