"""Tesseract 5 through pytesseract (Debian ``tesseract-ocr`` + ``tesseract-ocr-ron``); light and fast."""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

import pytesseract
from PIL import Image

from ocr.diacritics import normalize_romanian
from ocr.engines.base import ISO_639_2
from ocr.errors import OcrConfigurationError, OcrEngineError, OcrTimeoutError
from ocr.layout import RecognizedLine

__all__ = ["TesseractEngine"]

_ISO_FROM_TESS = {v: k for k, v in ISO_639_2.items()}


class TesseractEngine:
    """Runs the ``tesseract`` binary per page; ş/ţ with cedilla come back as comma-below ș/ț."""

    name = "tesseract"

    def __init__(self, *, cmd: str = "tesseract", psm: int = 3, threads: int = 1):
        pytesseract.pytesseract.tesseract_cmd = cmd
        # OpenMP threads inside tesseract: 1 is faster when several pages / workers share the cores
        os.environ.setdefault("OMP_THREAD_LIMIT", str(threads))
        self.psm = psm
        try:
            self.version = str(pytesseract.get_tesseract_version())
            installed = set(pytesseract.get_languages(config=""))
        except (pytesseract.TesseractNotFoundError, OSError) as exc:
            raise OcrConfigurationError(
                f"tesseract not found ({cmd!r}): install Debian packages tesseract-ocr and tesseract-ocr-ron, "
                "or set OCR_TESSERACT_CMD"
            ) from exc
        self.installed = installed
        self._languages = frozenset(_ISO_FROM_TESS[code] for code in installed if code in _ISO_FROM_TESS)
        if "ro" not in self._languages:
            raise OcrConfigurationError("tesseract has no Romanian data: install tesseract-ocr-ron")

    def languages(self) -> frozenset[str]:
        return self._languages

    def recognize(self, image: Image.Image, language: str, *, timeout: float) -> list[RecognizedLine]:
        try:
            data = pytesseract.image_to_data(
                image,
                lang=ISO_639_2[language],
                config=f"--psm {self.psm}",
                output_type=pytesseract.Output.DICT,
                timeout=max(1, int(timeout)),
            )
        except RuntimeError as exc:
            if "timeout" in str(exc).lower():
                raise OcrTimeoutError(f"tesseract did not finish a page within {timeout:.0f} s") from exc
            raise OcrEngineError(f"tesseract failed: {exc}"[:500]) from exc
        except pytesseract.TesseractError as exc:
            raise OcrEngineError(f"tesseract failed: {exc}"[:500]) from exc
        words: dict[tuple[int, int, int], list[tuple[str, float, int, int, int, int]]] = defaultdict(list)
        for i, text in enumerate(data["text"]):
            conf = float(data["conf"][i])
            if conf < 0 or not str(text).strip():
                continue
            key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
            words[key].append(
                (
                    str(text).strip(),
                    conf,
                    int(data["left"][i]),
                    int(data["top"][i]),
                    int(data["width"][i]),
                    int(data["height"][i]),
                )
            )
        lines = []
        for items in words.values():
            x0 = min(w[2] for w in items)
            y0 = min(w[3] for w in items)
            x1 = max(w[2] + w[4] for w in items)
            y1 = max(w[3] + w[5] for w in items)
            text = normalize_romanian(" ".join(w[0] for w in items))
            confidence = sum(w[1] for w in items) / len(items) / 100
            box = ((float(x0), float(y0)), (float(x1), float(y0)), (float(x1), float(y1)), (float(x0), float(y1)))
            lines.append(RecognizedLine(text=text, confidence=round(confidence, 4), box=box))
        return lines

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "version": self.version, "languages": sorted(self.installed), "psm": self.psm}
