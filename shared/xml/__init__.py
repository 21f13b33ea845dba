"""One pipeline for XML we did not write: untrusted parse -> XSD -> Schematron, every verdict a ``Finding``.

Used by every validator (e-Factura, e-Transport, SAF-T, REGES) and by the ANAF answer parsers. Needs lxml (and
saxonche for Schematron), which only the ANAF/SAF-T/REGES extras install: nothing else imports this package.
"""

from shared.xml.findings import Finding, Source
from shared.xml.parsing import UntrustedXml, parse_untrusted, safe_parser
from shared.xml.schematron import IsoSchematron, Schematron, XsltSchematron, svrl_findings
from shared.xml.xsd import XsdValidator

__all__ = [
    "Finding",
    "IsoSchematron",
    "Schematron",
    "Source",
    "UntrustedXml",
    "XsdValidator",
    "XsltSchematron",
    "parse_untrusted",
    "safe_parser",
    "svrl_findings",
]
