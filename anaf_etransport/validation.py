"""Validation of e-Transport XML: hardened parsing, the official XSD and ANAF's Schematron rules."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from anaf_etransport.document import NS
from anaf_etransport.schematron import CompiledSchematron
from shared.xml import safe_parser

__all__ = ["EtransportValidator", "Finding", "parse_untrusted"]

_MAX_BYTES = 10 * 1024 * 1024  # ANAF's upload limit


@dataclass(frozen=True)
class Finding:
    """One problem (or notice) about a document; ``fatal`` ones block the upload."""

    source: str  # "xml", "xsd" or "schematron"
    rule: str
    message: str
    fatal: bool
    location: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _parser() -> etree.XMLParser:
    return safe_parser(remove_pis=True)


def parse_untrusted(xml: bytes) -> tuple[etree._ElementTree | None, list[Finding]]:
    """Parse bytes from outside: no DTD, no entities, no network, ANAF's 10 MB cap, right root element."""
    if len(xml) > _MAX_BYTES:
        return None, [Finding("xml", "size", f"document is {len(xml)} bytes, ANAF accepts at most 10 MB", True)]
    head = xml[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in xml.lower():
        return None, [Finding("xml", "doctype", "DOCTYPE/ENTITY declarations are not allowed", True)]
    try:
        tree = etree.ElementTree(etree.fromstring(xml, _parser()))
    except etree.XMLSyntaxError as exc:
        return None, [Finding("xml", "syntax", f"not well-formed XML: {exc}", True)]
    root = tree.getroot()
    if root.tag != f"{{{NS}}}eTransport":
        return None, [Finding("xml", "root", f"root must be {{{NS}}}eTransport, got {root.tag}", True)]
    return tree, []


class EtransportValidator:
    """Official XSD (lxml) plus Schematron (Saxon), each optional: pass the files a deployment has."""

    def __init__(self, xsd: Path | None = None, schematron: Path | None = None):
        self.xsd_path = xsd
        self.schematron_path = schematron
        self._xsd = etree.XMLSchema(etree.parse(str(xsd), _parser())) if xsd else None
        self._sch = CompiledSchematron(schematron) if schematron else None

    @property
    def configured(self) -> dict[str, bool]:
        return {"xsd": self._xsd is not None, "schematron": self._sch is not None}

    def validate(self, xml: bytes, *, warnings: bool = False) -> list[Finding]:
        tree, findings = parse_untrusted(xml)
        if tree is None:
            return findings
        if self._xsd is not None and not self._xsd.validate(tree):
            findings += [
                Finding("xsd", "XSD", e.message, True, f"line {e.line}") for e in self._xsd.error_log
            ]
            return findings  # rules on a structurally wrong document only add noise
        if self._sch is not None:
            for f in self._sch.validate(xml):
                if f.fatal or warnings:
                    findings.append(Finding("schematron", f.rule, f.message, f.fatal, f.location))
        return findings
