"""The engine interface and the language codes engines agree on (ISO 639-1 inside, 639-2 accepted)."""

from __future__ import annotations

from typing import Any, Protocol

from PIL import Image

from ocr.layout import RecognizedLine
from shared.errors import PayloadError

__all__ = ["ISO_639_2", "OcrEngine", "canonical_language"]

#: ISO 639-1 -> 639-2/T (Tesseract's traineddata names) for the Latin-script languages we accept.
ISO_639_2: dict[str, str] = {
    "ro": "ron",
    "en": "eng",
    "de": "deu",
    "fr": "fra",
    "hu": "hun",
    "it": "ita",
    "es": "spa",
    "pt": "por",
    "nl": "nld",
    "pl": "pol",
    "cs": "ces",
    "sk": "slk",
    "sl": "slv",
    "hr": "hrv",
    "bs": "bos",
    "sq": "sqi",
    "tr": "tur",
    "da": "dan",
    "sv": "swe",
    "no": "nor",
    "fi": "fin",
    "et": "est",
    "lv": "lav",
    "lt": "lit",
    "ga": "gle",
    "cy": "cym",
    "is": "isl",
    "mt": "mlt",
    "ca": "cat",
    "eu": "eus",
    "gl": "glg",
    "la": "lat",
    "id": "ind",
    "ms": "msa",
    "vi": "vie",
    "af": "afr",
    "az": "aze",
    "sw": "swa",
    "tl": "tgl",
    "uz": "uzb",
}
_ALIASES = {
    **{v: k for k, v in ISO_639_2.items()},
    "rum": "ro",
    "ger": "de",
    "fre": "fr",
    "dut": "nl",
    "cze": "cs",
    "slo": "sk",
    "alb": "sq",
    "ice": "is",
    "baq": "eu",
    "wel": "cy",
    "may": "ms",
}


def canonical_language(hint: str) -> str:
    """``ro``/``ron``/``rum``/``RO``/``ro-RO`` -> ``ro``; unknown codes are a ``PayloadError``."""
    code = hint.strip().lower().replace("_", "-").split("-", 1)[0]
    code = _ALIASES.get(code, code)
    if code not in ISO_639_2:
        raise PayloadError(
            "unsupported language",
            errors=[
                {
                    "loc": ["language"],
                    "msg": f"{hint!r} is not a supported language code",
                    "type": "unsupported_language",
                }
            ],
        )
    return code


class OcrEngine(Protocol):
    """Reads one page image; built once per process, called for every page of every task."""

    name: str

    def languages(self) -> frozenset[str]:
        """ISO 639-1 codes this engine can read."""
        ...

    def recognize(self, image: Image.Image, language: str, *, timeout: float) -> list[RecognizedLine]:
        """Lines on ``image`` (RGB) in any order; ``timeout`` is honoured where the engine allows it."""
        ...

    def describe(self) -> dict[str, Any]:
        """Engine, version and model facts for logs and health checks."""
        ...
