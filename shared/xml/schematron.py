"""Schematron with Saxon-HE (``saxonche``): a published XSLT (CIUS-RO) or an ISO ``.sch`` (e-Transport), one reader.

Both run as XSLT 2.0 and yield SVRL; ``svrl_findings`` turns every ``failed-assert`` and ``successful-report``
into a ``Finding``: ``flag="warning"``/``"information"`` are not fatal, ``fatal``/``error`` are, and an assert
without a flag is (ISO semantics), a report without one is not.

``IsoSchematron`` compiles a ``.sch`` with the ISO reference skeleton shipped inside lxml
(``iso_svrl_for_xslt1.xsl``, run by libxslt), marks the stylesheet XSLT 2.0 and hands it to Saxon, because
ANAF's e-Transport rules need XPath 2 (``matches``, ``xs:decimal``, sequence comparisons). Saxon rejects the
skeleton's ``select="@*|*|comment()|processing-instruction()"`` ("Bad parent pointer"): it is rewritten to the
equivalent ``@*|node()``. Within a pattern only the first matching rule fires (standard semantics).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import lxml.isoschematron
from lxml import etree

from shared.xml.findings import Finding
from shared.xml.parsing import safe_parser

__all__ = ["IsoSchematron", "Schematron", "XsltSchematron", "svrl_findings"]

_SVRL = "{http://purl.oclc.org/dsdl/svrl}"
_XSL = "{http://www.w3.org/1999/XSL/Transform}"
_SKELETON = Path(lxml.isoschematron.__file__).parent / "resources" / "xsl" / "iso-schematron-xslt1"


def svrl_findings(svrl: str | None) -> list[Finding]:
    """Findings of an SVRL report (``ValueError`` when the run produced none)."""
    if not svrl:
        raise ValueError("the Schematron run produced no report")
    report = etree.fromstring(svrl.encode("utf-8"), safe_parser())
    out = []
    for el in report.iter(_SVRL + "failed-assert", _SVRL + "successful-report"):
        flag = (el.get("flag") or "").lower()
        is_assert = el.tag == _SVRL + "failed-assert"
        fatal = flag in ("fatal", "error") or (flag == "" and is_assert)
        text_el = el.find(_SVRL + "text")
        text = "".join(text_el.itertext()) if text_el is not None else "".join(el.itertext())
        out.append(Finding("schematron", el.get("id") or "", " ".join(text.split()), fatal, el.get("location") or ""))
    return out


class Schematron:
    """A compiled stylesheet run by Saxon; ``findings(xml_text)``. Build once per process (compiling is slow)."""

    def __init__(self, stylesheet_text: str | None = None, stylesheet_file: Path | None = None):
        from saxonche import PySaxonProcessor  # heavy native module: imported only where rules run

        self._proc = PySaxonProcessor(license=False)
        compiler = self._proc.new_xslt30_processor()
        if stylesheet_file is not None:
            self._xslt: Any = compiler.compile_stylesheet(stylesheet_file=str(stylesheet_file))
        else:
            self._xslt = compiler.compile_stylesheet(stylesheet_text=stylesheet_text)
        self._lock = threading.Lock()

    def findings(self, xml_text: str) -> list[Finding]:
        with self._lock:  # one Saxon processor per object; calls are serialised
            node = self._proc.parse_xml(xml_text=xml_text)
            svrl = self._xslt.transform_to_string(xdm_node=node)
        return svrl_findings(svrl)


class XsltSchematron(Schematron):
    """A Schematron published already compiled to XSLT (ANAF's CIUS-RO rules as compiled by phive-rules)."""

    def __init__(self, xslt: Path):
        self.path = Path(xslt)
        super().__init__(stylesheet_file=self.path)


def _compile_iso(sch_path: Path) -> str:
    sch = etree.parse(str(sch_path), safe_parser())
    sch.getroot().set("queryBinding", "xslt")  # the skeleton refuses other names; the output is upgraded below
    for step in ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl"):
        sch = etree.XSLT(etree.parse(str(_SKELETON / step)))(sch)
    compiled = etree.XSLT(etree.parse(str(_SKELETON / "iso_svrl_for_xslt1.xsl")))(sch, **{"full-path-notation": "'4'"})
    xslt = compiled.getroot()
    if xslt is None or xslt.tag != _XSL + "stylesheet":
        raise ValueError(f"Schematron {sch_path} did not compile to a stylesheet")
    xslt.set("version", "2.0")
    text = bytes(etree.tostring(compiled))
    return text.replace(b'select="@*|*|comment()|processing-instruction()"', b'select="@*|node()"').decode("utf-8")


class IsoSchematron(Schematron):
    """An ISO Schematron ``.sch`` (XSLT 2 query binding), compiled through the skeleton, run by Saxon."""

    def __init__(self, sch: Path):
        self.path = Path(sch)
        super().__init__(stylesheet_text=_compile_iso(self.path))
