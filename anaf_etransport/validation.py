"""Validation of e-Transport XML: hardened parsing, the parties' CUI check digits, the official XSD and ANAF's Schematron."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from anaf_etransport.document import NS
from anaf_etransport.parties import party_code_problems
from anaf_etransport.schematron import CompiledSchematron
from shared.schemas import SchemaStore
from shared.xml import safe_parser

__all__ = [
    "ARTEFACTS",
    "SCHEMATRON_FILE",
    "XSD_FILE",
    "EtransportValidator",
    "Finding",
    "local_findings",
    "parse_untrusted",
]

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


def _parties(tree: etree._ElementTree) -> list[Finding]:
    return [Finding("checks", "CUI", p.message, True, p.location) for p in party_code_problems(tree.getroot())]


def local_findings(xml: bytes) -> list[Finding]:
    """What needs no official artefact: hardened parsing, then the check digit of every Romanian party CUI."""
    tree, findings = parse_untrusted(xml)
    return findings if tree is None else _parties(tree)


#: The artefacts of the schema manifest (shared/schemas/manifest.toml) a declaration is validated against.
ARTEFACTS = ("etransport-xsd", "etransport-schematron")
XSD_FILE = "schema_ETR_v2_20230126.xsd"
SCHEMATRON_FILE = "eTransport-validation_v.2.0.2_12082024.sch"


class EtransportValidator:
    """Official XSD (lxml) plus ANAF's Schematron (Saxon): both, always; there is no partial validator."""

    @classmethod
    def from_store(
        cls, store: SchemaStore, *, xsd: Path | None = None, schematron: Path | None = None
    ) -> EtransportValidator:
        """Files from the installed schemas (``SchemasUnavailable`` when missing or altered); paths relocate them."""
        return cls(
            store.locate("etransport-xsd", XSD_FILE, xsd),
            store.locate("etransport-schematron", SCHEMATRON_FILE, schematron),
            artefacts=[store.manifest[n].ref for n in ARTEFACTS],
        )

    def __init__(self, xsd: Path, schematron: Path, *, artefacts: list[dict[str, str]] | None = None):
        self.xsd_path = xsd
        self.schematron_path = schematron
        self.artefacts = (
            list(artefacts)
            if artefacts is not None
            else [
                {"name": "etransport-xsd", "version": f"unverified {xsd}"},
                {"name": "etransport-schematron", "version": f"unverified {schematron}"},
            ]
        )
        self._xsd = etree.XMLSchema(etree.parse(str(xsd), _parser()))
        self._sch = CompiledSchematron(schematron)

    def validate(self, xml: bytes, *, warnings: bool = False) -> list[Finding]:
        tree, findings = parse_untrusted(xml)
        if tree is None:
            return findings
        findings += _parties(tree)
        if not self._xsd.validate(tree):
            findings += [Finding("xsd", "XSD", e.message, True, f"line {e.line}") for e in self._xsd.error_log]
            return findings  # rules on a structurally wrong document only add noise
        for f in self._sch.validate(xml):
            if f.fatal or warnings:
                findings.append(Finding("schematron", f.rule, f.message, f.fatal, f.location))
        return findings
