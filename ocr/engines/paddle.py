"""PaddleOCR 3.x with local model directories only (it cannot download models in an offline deployment)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ocr.engines.rapid import LANGUAGES as PP_OCR_LANGUAGES
from ocr.errors import OcrConfigurationError, OcrEngineError
from ocr.layout import RecognizedLine

__all__ = ["PaddleOcrEngine", "check_model_dirs"]


def check_model_dirs(det: Path | None, rec: Path | None, cls: Path | None) -> None:
    """Raise ``OcrConfigurationError`` unless the detection and recognition directories hold a model."""
    missing = [
        name for name, value in (("OCR_PADDLE_DET_MODEL_DIR", det), ("OCR_PADDLE_REC_MODEL_DIR", rec)) if value is None
    ]
    if missing:
        raise OcrConfigurationError(
            f"the paddleocr engine needs local model directories: set {', '.join(missing)} (PaddleOCR would "
            "otherwise download its models at first use, which fails offline); or use OCR_ENGINE=rapidocr"
        )
    for name, value in (
        ("OCR_PADDLE_DET_MODEL_DIR", det),
        ("OCR_PADDLE_REC_MODEL_DIR", rec),
        ("OCR_PADDLE_CLS_MODEL_DIR", cls),
    ):
        if value is None:
            continue
        if not value.is_dir() or not any(value.iterdir()):
            raise OcrConfigurationError(f"{name}={value} is not a directory with a PaddleOCR model in it")


class PaddleOcrEngine:
    """PaddleOCR's pipeline on CPU with the document-level extras switched off (they cost seconds)."""

    name = "paddleocr"

    def __init__(self, *, det_dir: Path | None, rec_dir: Path | None, cls_dir: Path | None = None, threads: int = 0):
        check_model_dirs(det_dir, rec_dir, cls_dir)
        if importlib.util.find_spec("paddleocr") is None or importlib.util.find_spec("paddle") is None:
            raise OcrConfigurationError(
                "the paddleocr engine needs the 'paddleocr' and 'paddlepaddle' packages, which are not installed; "
                "install them (CPU build) or use OCR_ENGINE=rapidocr (the same PP-OCR models, bundled as ONNX)"
            )
        os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
        from paddleocr import PaddleOCR

        kwargs: dict[str, Any] = {
            "text_detection_model_dir": str(det_dir),
            "text_recognition_model_dir": str(rec_dir),
            "use_doc_orientation_classify": False,
            "use_doc_unwarping": False,
            "use_textline_orientation": cls_dir is not None,
            "device": "cpu",
        }
        if cls_dir is not None:
            kwargs["textline_orientation_model_dir"] = str(cls_dir)
        if threads:
            kwargs["cpu_threads"] = threads
        try:
            self._ocr = PaddleOCR(**kwargs)
        except Exception as exc:
            raise OcrConfigurationError(f"PaddleOCR could not load the configured models: {exc}"[:500]) from exc
        self.dirs = {"det": str(det_dir), "rec": str(rec_dir), "cls": str(cls_dir) if cls_dir else None}

    def languages(self) -> frozenset[str]:
        return PP_OCR_LANGUAGES

    def recognize(self, image: Image.Image, language: str, *, timeout: float) -> list[RecognizedLine]:
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        try:
            results = self._ocr.predict(bgr)
        except Exception as exc:
            raise OcrEngineError(f"PaddleOCR failed: {type(exc).__name__}: {exc}"[:500]) from exc
        lines = []
        for result in results:
            for text, score, poly in zip(result["rec_texts"], result["rec_scores"], result["rec_polys"], strict=False):
                points = tuple((float(x), float(y)) for x, y in list(poly)[:4])
                if str(text).strip() and len(points) == 4:
                    lines.append(RecognizedLine(text=str(text).strip(), confidence=float(score), box=points))
        return lines

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, **self.dirs}
