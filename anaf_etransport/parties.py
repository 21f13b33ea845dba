"""The Romanian fiscal codes of an e-Transport declaration's parties, with their CUI check digit verified.

ANAF's Schematron only matches the *shape* of a code (BR-002, BR-007, BR-043, BR-209: 2-10 digits or 13), so
a declarant, commercial partner or transport organiser CUI with a wrong check digit is accepted by every
official artefact and only fails later, at ANAF. Every code that is a Romanian CUI is checked here with
``anaf_core.cui``: the declarant's ``codDeclarant`` always, the partner's ``cod`` and the organiser's
``codOrgTransport`` when their country is RO. Thirteen-digit codes (CNP/NIF of a person) and ``PF`` (unknown
Romanian person) are not CUIs and are left to the official rules.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lxml import etree

from anaf_core.cui import cui_check_digit, is_valid_cui

__all__ = ["PartyCodeProblem", "party_code_problems"]

_CUI_SHAPE = re.compile(r"^(RO)?[0-9]{2,10}$")


class PartyCodeProblem(NamedTuple):
    """A party code that looks like a CUI and is not one: where it is (XPath-like) and what is wrong."""

    location: str
    message: str


def _problem(role: str, location: str, value: str) -> PartyCodeProblem | None:
    code = value.strip().upper()
    if not _CUI_SHAPE.match(code) or is_valid_cui(code):
        return None
    digits = code.removeprefix("RO")
    expected = cui_check_digit(digits[:-1])
    return PartyCodeProblem(
        location,
        f"{role} CUI {value.strip()} has a wrong check digit (expected {digits[:-1]}{expected}): not a Romanian CUI",
    )


def _local(el: etree._Element) -> str:
    return str(etree.QName(el).localname)


def party_code_problems(root: etree._Element) -> list[PartyCodeProblem]:
    """Problems of every Romanian CUI in the ``eTransport`` document ``root`` (empty when all are valid)."""
    found: list[PartyCodeProblem | None] = [
        _problem("declarant (codDeclarant)", "/eTransport/@codDeclarant", root.get("codDeclarant") or "")
    ]
    for doc in root:
        if not isinstance(doc.tag, str) or _local(doc) != "notificare":
            continue
        for el in doc:
            if not isinstance(el.tag, str):
                continue
            name = _local(el)
            if name == "partenerComercial" and el.get("codTara") == "RO" and el.get("cod"):
                where = "/eTransport/notificare/partenerComercial/@cod"
                found.append(_problem("commercial partner (partenerComercial/cod)", where, el.get("cod") or ""))
            elif name == "dateTransport" and el.get("codTaraOrgTransport") == "RO" and el.get("codOrgTransport"):
                where = "/eTransport/notificare/dateTransport/@codOrgTransport"
                found.append(_problem("transport organiser (codOrgTransport)", where, el.get("codOrgTransport") or ""))
    return [p for p in found if p is not None]
