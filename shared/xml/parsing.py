"""The hardened parse of XML we did not write (ANAF answers, caller documents, uploads).

``safe_parser``: no entity expansion (XXE, billion laughs), no DTD loading, no network, no huge-tree mode.
``parse_untrusted``: a size cap, DOCTYPE/ENTITY declarations refused outright, well-formedness, the expected
root element; every refusal is an ``UntrustedXml`` (a ``PayloadError``) carrying its ``Finding``.
"""

from __future__ import annotations

from collections.abc import Collection

from lxml import etree

from shared.errors import PayloadError
from shared.xml.findings import Finding

__all__ = ["UntrustedXml", "parse_untrusted", "safe_parser"]


def safe_parser(*, remove_pis: bool = False, remove_comments: bool = False) -> etree.XMLParser:
    """A new parser that refuses entity expansion, DTDs and network access."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=remove_pis,
        remove_comments=remove_comments,
    )


class UntrustedXml(PayloadError):
    """The XML was refused before any validation; ``finding`` says why (size, DTD, syntax, root)."""

    code = "invalid_xml"

    def __init__(self, finding: Finding, *, what: str = "XML"):
        self.finding = finding
        super().__init__(f"invalid {what}: {finding.message}", errors=[finding.as_error()])


def _refuse(rule: str, message: str, what: str) -> UntrustedXml:
    return UntrustedXml(Finding("xml", rule, message), what=what)


def parse_untrusted(
    data: bytes, *, max_bytes: int, roots: Collection[str] = (), what: str = "XML", remove_pis: bool = False
) -> etree._Element:
    """Parse bytes from outside: <= ``max_bytes``, no DTD/entities, well-formed, root tag in ``roots`` (Clark)."""
    if len(data) > max_bytes:
        raise _refuse("too_large", f"{len(data)} bytes; at most {max_bytes} accepted", what)
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise _refuse("dtd_forbidden", "DOCTYPE / ENTITY declarations are not allowed", what)
    try:
        root = etree.fromstring(data, parser=safe_parser(remove_pis=remove_pis))
    except etree.XMLSyntaxError as exc:
        raise _refuse("xml_syntax", f"not well-formed XML: {exc}", what) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _refuse("dtd_forbidden", "DOCTYPE / ENTITY declarations are not allowed", what)
    if roots and root.tag not in roots:
        raise _refuse("wrong_root", f"root element {root.tag} is not one of {', '.join(sorted(roots))}", what)
    return root
