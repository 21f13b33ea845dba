"""D406 partner identifiers: the 2-digit type prefix and, for Romanian CUIs (``00``), the check digit."""

from __future__ import annotations

import re

from anaf_core.cui import is_valid_cui

__all__ = ["ANONYMOUS_BUYER", "partner_id_problem"]

#: ``08``: anonymous buyer at a point of sale, a fixed value.
ANONYMOUS_BUYER = "080000000000000"
_PREFIXES = {"00", "01", "02", "03", "04", "05", "06", "08", "09", "10", "11"}
_EU_VAT = re.compile(
    r"^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|SE|SI|SK|XI)[0-9A-Z+*]{2,13}$"
)


def partner_id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid D406 partner id (``None`` when it is)."""
    if len(value) < 3 or value[:2] not in _PREFIXES:
        return "partner id must start with a type prefix 00, 01, 02, 03, 04, 05, 06, 08, 09, 10 or 11"
    prefix, rest = value[:2], value[2:]
    if prefix == "00":
        if rest.upper().startswith("RO"):
            return "prefix 00 takes the CUI without RO"
        if not is_valid_cui(rest.lstrip("0") or "0"):
            return f"prefix 00: {rest} is not a CUI with a valid check digit"
    elif prefix == "01" and not _EU_VAT.match(rest):
        return "prefix 01 takes an EU VAT number with its country code (Greece EL)"
    elif prefix == "03" and not re.fullmatch(r"[0-9]{13}", rest):
        return "prefix 03 takes a 13-digit CNP/NIF"
    elif prefix == "08" and value != ANONYMOUS_BUYER:
        return f"prefix 08 is only the fixed anonymous buyer {ANONYMOUS_BUYER}"
    return None
