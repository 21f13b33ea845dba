"""Romanian text normalisation: cedilla ş/ţ (what Tesseract and legacy encodings produce) to comma-below ș/ț."""

from __future__ import annotations

__all__ = ["normalize_romanian"]

_COMMA_BELOW = str.maketrans({"ş": "ș", "Ş": "Ș", "ţ": "ț", "Ţ": "Ț"})


def normalize_romanian(text: str) -> str:
    """``"Construcţii şi Ţară"`` -> ``"Construcții și Țară"`` (U+015F/015E/0163/0162 -> U+0219/0218/021B/021A)."""
    return text.translate(_COMMA_BELOW)
