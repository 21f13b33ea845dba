"""ISO Schematron (XSLT 2 query binding) runner: compile the .sch once, run it per document with Saxon-HE.

lxml's ``isoschematron`` only speaks XSLT 1, and ANAF's e-Transport rules need XPath 2 (``matches``,
``string-to-codepoints``, ``xs:decimal``, sequence comparisons). So: the ISO reference skeleton that ships
inside lxml (``iso_svrl_for_xslt1.xsl``) turns the schema into a validating stylesheet (libxslt), the
stylesheet is marked XSLT 2.0 and compiled by Saxon-HE (``saxonche``), and each run yields SVRL that is
read into ``SchematronFinding`` items. Standard Schematron semantics hold: within a pattern, only the
first rule matching a node fires.

Saxon 13 rejects the skeleton's ``select="@*|*|comment()|processing-instruction()"`` (internal
"Bad parent pointer" error); it is rewritten to the equivalent ``@*|node()`` (text nodes hit an empty
template).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import lxml.isoschematron
from lxml import etree

__all__ = ["CompiledSchematron", "SchematronFinding"]

_SKELETON = Path(lxml.isoschematron.__file__).parent / "resources" / "xsl" / "iso-schematron-xslt1"
_SVRL = "http://purl.oclc.org/dsdl/svrl"
_XSL = "http://www.w3.org/1999/XSL/Transform"


@dataclass(frozen=True)
class SchematronFinding:
    """One failed assert or successful report."""

    rule: str
    flag: str
    message: str
    location: str
    kind: str  # "assert" or "report"

    @property
    def fatal(self) -> bool:
        return self.flag == "fatal" or (self.kind == "assert" and self.flag == "")


def _compile_to_xslt(sch_path: Path) -> bytes:
    sch = etree.parse(str(sch_path), etree.XMLParser(resolve_entities=False, no_network=True))
    root = sch.getroot()
    root.set("queryBinding", "xslt")  # the skeleton refuses other names; the output is upgraded below
    for step in ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl"):
        sch = etree.XSLT(etree.parse(str(_SKELETON / step)))(sch)
    compiled = etree.XSLT(etree.parse(str(_SKELETON / "iso_svrl_for_xslt1.xsl")))(sch, **{"full-path-notation": "'4'"})
    xslt = compiled.getroot()
    if xslt is None or xslt.tag != f"{{{_XSL}}}stylesheet":
        raise ValueError(f"Schematron {sch_path} did not compile to a stylesheet")
    xslt.set("version", "2.0")
    text = etree.tostring(compiled)
    return bytes(text.replace(b'select="@*|*|comment()|processing-instruction()"', b'select="@*|node()"'))


class CompiledSchematron:
    """A Schematron schema compiled once; ``validate(xml_bytes)`` returns its findings. One per process."""

    def __init__(self, sch_path: Path | str):
        from saxonche import PySaxonProcessor  # heavy native module: imported only when rules are used

        self.path = Path(sch_path)
        self._lock = threading.Lock()
        self._proc = PySaxonProcessor(license=False)
        xslt = _compile_to_xslt(self.path)
        self._executable = self._proc.new_xslt30_processor().compile_stylesheet(stylesheet_text=xslt.decode("utf-8"))

    def validate(self, xml: bytes) -> list[SchematronFinding]:
        with self._lock:
            node = self._proc.parse_xml(xml_text=xml.decode("utf-8"))
            svrl = self._executable.transform_to_string(xdm_node=node)
        if not svrl:
            raise ValueError("Schematron run produced no report")
        report = etree.fromstring(svrl.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
        out: list[SchematronFinding] = []
        for el in report.iter(f"{{{_SVRL}}}failed-assert", f"{{{_SVRL}}}successful-report"):
            text = " ".join("".join(el.itertext()).split())
            out.append(
                SchematronFinding(
                    rule=el.get("id") or "",
                    flag=el.get("flag") or "",
                    message=text,
                    location=el.get("location") or "",
                    kind="assert" if el.tag.endswith("failed-assert") else "report",
                )
            )
        return out
