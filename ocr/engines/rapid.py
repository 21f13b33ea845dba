"""RapidOCR 3.x: PaddleOCR's PP-OCRv6 (small) detection + recognition as ONNX, bundled in the wheel (offline)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from ocr.errors import OcrConfigurationError, OcrEngineError
from ocr.layout import RecognizedLine

__all__ = ["RapidOcrEngine"]

#: Latin-script languages of the multilingual PP-OCRv6 recogniser shipped in the wheel (one model for all).
LANGUAGES = frozenset(
    {
        "ro",
        "en",
        "de",
        "fr",
        "hu",
        "it",
        "es",
        "pt",
        "nl",
        "pl",
        "cs",
        "sk",
        "sl",
        "hr",
        "bs",
        "sq",
        "tr",
        "da",
        "sv",
        "no",
        "fi",
        "et",
        "lv",
        "lt",
        "ga",
        "cy",
        "is",
        "mt",
        "ca",
        "eu",
        "gl",
        "la",
        "id",
        "ms",
        "vi",
        "af",
        "az",
        "sw",
        "tl",
        "uz",
    }
)
_WARMUP_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _warmup_image() -> Image.Image:
    image = Image.new("RGB", (360, 80), "white")
    font: Any = ImageFont.truetype(str(_WARMUP_FONT), 36) if _WARMUP_FONT.exists() else ImageFont.load_default(36)
    ImageDraw.Draw(image).text((12, 18), "Factură 123", font=font, fill="black")
    return image


class RapidOcrEngine:
    """One ``RapidOCR`` instance per process; calls are serialised (ONNX sessions use all threads anyway)."""

    name = "rapidocr"

    def __init__(
        self, *, det_limit_type: str = "max", det_limit_side_len: int = 1280, use_cls: bool = False, threads: int = 0
    ):
        try:
            import rapidocr
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise OcrConfigurationError(f"rapidocr is not installed ({exc}); install the 'ocr' extra") from exc
        models = Path(rapidocr.__file__).parent / "models"
        for needed in ("PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx"):
            if not (models / needed).is_file():
                raise OcrConfigurationError(
                    f"RapidOCR's bundled model {needed} is missing from {models}; this rapidocr build would download "
                    "models at run time, which this worker does not allow (install rapidocr>=3.10 from PyPI)"
                )
        self.params: dict[str, Any] = {
            "Global.log_level": "warning",
            "Global.use_cls": use_cls,
            "Det.limit_type": det_limit_type,
            "Det.limit_side_len": det_limit_side_len,
            "Rec.lang_type": "ro",
        }
        if threads:
            self.params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        self.version = getattr(rapidocr, "__version__", "unknown")
        self._lock = threading.Lock()
        self._engine = RapidOCR(params=self.params)
        self.recognize(_warmup_image(), "ro", timeout=60)  # loads the ONNX sessions now, not on the first task

    def languages(self) -> frozenset[str]:
        return LANGUAGES

    def recognize(self, image: Image.Image, language: str, *, timeout: float) -> list[RecognizedLine]:
        # ONNX Runtime cannot be interrupted mid-inference; the caller enforces the document deadline
        with self._lock:
            try:
                output = self._engine(image)
            except Exception as exc:
                raise OcrEngineError(f"RapidOCR failed: {type(exc).__name__}: {exc}"[:500]) from exc
        boxes = getattr(output, "boxes", None)
        texts = getattr(output, "txts", None)
        scores = getattr(output, "scores", None)
        if boxes is None or texts is None or scores is None:
            return []
        lines = []
        for box, text, score in zip(boxes, texts, scores, strict=False):
            points = tuple((float(x), float(y)) for x, y in box[:4])
            if text.strip() and len(points) == 4:
                lines.append(RecognizedLine(text=text.strip(), confidence=float(score), box=points))
        return lines

    def describe(self) -> dict[str, Any]:
        return {
            "engine": self.name,
            "version": self.version,
            "det": "PP-OCRv6_det_small",
            "rec": "PP-OCRv6_rec_small",
            "limit_type": self.params["Det.limit_type"],
            "limit_side_len": self.params["Det.limit_side_len"],
        }
