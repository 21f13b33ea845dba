"""UIT (unique transport identifier): format and check digits, as ANAF's Schematron rules BR-003/BR-019 define them."""

from __future__ import annotations

import re

__all__ = ["UIT_ALPHABET", "UIT_PATTERN", "is_valid_uit", "uit_check_digits", "uit_problem"]

#: Characters allowed in the first 14 positions (no B, G, I, O, S, Z: they look like digits).
UIT_ALPHABET = "0123456789ACDEFHJKLMNPQRTUVWXY"
UIT_PATTERN = re.compile(r"^[0-9ACDEFHJKLMNPQRTUVWXY]{14}[0-9]{2}$")


def uit_check_digits(body: str) -> str:
    """The two check digits for a 14-character UIT body: last two digits of the sum of its ASCII codes."""
    return f"{sum(ord(c) for c in body[:14]) % 100:02d}"


def uit_problem(value: str) -> str | None:
    """Why ``value`` is not a valid UIT (``None`` when it is)."""
    if not isinstance(value, str) or not UIT_PATTERN.match(value):
        return "UIT must be 16 characters: 14 of [0-9ACDEFHJKLMNPQRTUVWXY] then 2 check digits (BR-003)"
    if value[14:] != uit_check_digits(value[:14]):
        return f"UIT check digits must be {uit_check_digits(value[:14])} (BR-019)"
    return None


def is_valid_uit(value: str) -> bool:
    return uit_problem(value) is None
