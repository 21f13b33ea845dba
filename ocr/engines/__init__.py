"""OCR engines behind one interface (``OcrEngine``), built once per worker process by ``EngineRegistry``."""

from ocr.engines.base import OcrEngine
from ocr.engines.registry import EngineRegistry, build_engine

__all__ = ["EngineRegistry", "OcrEngine", "build_engine"]
