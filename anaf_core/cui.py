"""Romanian CUI/CIF: normalisation and the check digit (key 753217532), per ANAF.md §1."""

from __future__ import annotations

import re

__all__ = ["cui_check_digit", "cui_problem", "is_valid_cui", "looks_like_cui", "normalize_cui"]

_KEY = (7, 5, 3, 2, 1, 7, 5, 3, 2)
_CUI_RE = re.compile(r"^[0-9]{2,10}$")
_CUI_LIKE = re.compile(r"^(RO)?[0-9]{2,10}$")


def cui_check_digit(body: str) -> int:
    """Check digit for the digits before the last one (left-padded to 9)."""
    padded = body.rjust(9, "0")
    total = sum(int(d) * k for d, k in zip(padded, _KEY, strict=True))
    c = (total * 10) % 11
    return 0 if c == 10 else c


def normalize_cui(value: str | int) -> str:
    """Digits only: strips whitespace and an ``RO`` prefix; raises ``ValueError`` if not 2-10 digits."""
    text = str(value).strip().upper().replace(" ", "")
    if text.startswith("RO"):
        text = text[2:]
    if not _CUI_RE.match(text):
        raise ValueError("a CUI is 2 to 10 digits, optionally prefixed by RO")
    return text


def is_valid_cui(value: str | int) -> bool:
    """True when ``value`` is a well-formed CUI whose check digit matches."""
    try:
        digits = normalize_cui(value)
    except ValueError:
        return False
    if len(digits.lstrip("0")) < 2:
        return False
    return cui_check_digit(digits[:-1]) == int(digits[-1])


def looks_like_cui(value: str) -> bool:
    """True for ``RO`` + 2-10 digits or 2-10 bare digits (not a trade-register number, not a 13-digit CNP)."""
    return bool(_CUI_LIKE.match(value.strip().upper().replace(" ", "")))


def cui_problem(value: str, *, vat_id: bool) -> str | None:
    """Why ``value`` is not an acceptable Romanian identifier, or None.

    A VAT identifier (``vat_id=True``, ``RO`` + CUI) must be a CUI with a matching check digit; a legal
    registration identifier is checked when it is written as a CUI (digits, optionally ``RO``): other forms
    (a trade-register number ``J40/1234/2010``, a CNP) are not CUIs.
    """
    text = value.strip().upper().replace(" ", "")
    if vat_id:
        if not text.startswith("RO"):
            return None
        if not _CUI_RE.match(text[2:]):
            return f"{value!r}: a Romanian VAT identifier is RO followed by the 2-10 digit CUI"
    elif not looks_like_cui(text):
        return None
    if not is_valid_cui(text):
        return f"{value!r}: not a valid CUI (check digit, key 753217532)"
    return None
