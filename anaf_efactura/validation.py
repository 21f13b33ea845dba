"""Validation before any upload: hostile-XML guard, UBL 2.1 XSD (lxml) and the CIUS-RO Schematron (Saxon).

``InvoiceValidator`` compiles the official CIUS-RO XSLT (EN 16931 + RO rules, what ANAF checks) once per
process with saxonche and reads the SVRL: every ``failed-assert`` or ``successful-report`` with
``flag="fatal"`` is an error, ``flag="warning"`` a warning. Then the Romanian checks the Schematron does not
make (``anaf_efactura.law``: CUI check digits, fatal; VAT rates against the law, warnings). ``parse_untrusted`` refuses DTDs (so no XXE, no entity
expansion), never touches the network and caps the size at ANAF's 10 MB.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from anaf_efactura.law import identifier_findings, rate_findings
from shared.errors import PayloadError
from shared.schemas import SchemaStore
from shared.xml import Finding, safe_parser, svrl_findings

__all__ = ["ARTEFACTS", "MAX_XML_BYTES", "Finding", "InvoiceValidator", "ValidationReport", "parse_untrusted"]

MAX_XML_BYTES = 10 * 1024 * 1024
UBL_INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
UBL_CREDIT_NOTE = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
_PARSER = safe_parser()


def _bad(msg: str, kind: str) -> PayloadError:
    return PayloadError("invalid e-Factura XML", errors=[{"loc": ["xml"], "msg": msg, "type": kind}])


def parse_untrusted(data: bytes) -> etree._Element:
    """Parse XML from outside: <= 10 MB, no DTD/entities, UBL Invoice or CreditNote root; else ``PayloadError``."""
    if len(data) > MAX_XML_BYTES:
        raise _bad(f"{len(data)} bytes: ANAF accepts at most 10 MB", "too_large")
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise _bad("DOCTYPE / ENTITY declarations are not allowed", "dtd_forbidden")
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise _bad(f"not well-formed XML: {exc}", "xml_syntax") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _bad("DOCTYPE / ENTITY declarations are not allowed", "dtd_forbidden")
    if root.tag not in (UBL_INVOICE, UBL_CREDIT_NOTE):
        raise _bad(f"root element {root.tag} is not a UBL 2.1 Invoice or CreditNote", "not_ubl")
    return root


@dataclass
class ValidationReport:
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    validated_with: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> None:
        if self.errors:
            raise PayloadError(
                f"the invoice fails {len(self.errors)} e-Factura rule(s); nothing was uploaded",
                errors=[f.as_error() for f in self.errors],
                code="efactura_invalid",
            )

    def to_dict(self) -> dict[str, Any]:
        def rows(items: list[Finding]) -> list[dict[str, str]]:
            return [{"source": f.source, "rule": f.rule, "location": f.location, "message": f.message} for f in items]

        return {
            "ok": self.ok,
            "errors": rows(self.errors),
            "warnings": rows(self.warnings),
            "validated_with": self.validated_with,
        }


#: The artefacts of the schema manifest (shared/schemas/manifest.toml) an invoice is validated against.
ARTEFACTS = ("ubl-2.1", "cius-ro")
CIUS_RO_XSLT = "EN16931-CIUS_RO-UBL-validation.xslt"


class InvoiceValidator:
    """XSD + CIUS-RO Schematron; build once per process (the XSLT compile takes ~0.5-1 s).

    ``artefacts`` names what validated a document (``{name, version}`` per artefact); reports carry it.
    """

    @classmethod
    def from_store(
        cls, store: SchemaStore, *, ubl_dir: Path | None = None, cius_ro_xslt: Path | None = None
    ) -> InvoiceValidator:
        """Files from the installed schemas (``SchemasUnavailable`` when missing or altered); paths relocate them."""
        return cls(
            store.locate_dir("ubl-2.1", ubl_dir),
            store.locate("cius-ro", CIUS_RO_XSLT, cius_ro_xslt),
            artefacts=[store.manifest[n].ref for n in ARTEFACTS],  # both files checked against the manifest above
        )

    def __init__(self, ubl_dir: Path, cius_ro_xslt: Path, *, artefacts: list[dict[str, str]] | None = None):
        from saxonche import PySaxonProcessor  # heavy native module: imported only where validation runs

        self.artefacts = (
            list(artefacts)
            if artefacts is not None
            else [
                {"name": "ubl-2.1", "version": f"unverified {ubl_dir}"},
                {"name": "cius-ro", "version": f"unverified {cius_ro_xslt}"},
            ]
        )

        self._schemas = {
            UBL_INVOICE: etree.XMLSchema(etree.parse(str(ubl_dir / "maindoc" / "UBL-Invoice-2.1.xsd"))),
            UBL_CREDIT_NOTE: etree.XMLSchema(etree.parse(str(ubl_dir / "maindoc" / "UBL-CreditNote-2.1.xsd"))),
        }
        self._saxon = PySaxonProcessor(license=False)
        self._xslt = self._saxon.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(cius_ro_xslt))
        self._lock = threading.Lock()

    def validate(self, data: bytes, root: etree._Element | None = None) -> ValidationReport:
        """Findings for UTF-8 UBL ``data`` (``root`` = its parsed tree, when the caller already has it)."""
        root = root if root is not None else parse_untrusted(data)
        report = ValidationReport(validated_with=self.artefacts)
        schema = self._schemas[root.tag]
        with self._lock:
            valid = schema.validate(root)
            log = list(schema.error_log) if not valid else []
        for entry in log:
            report.errors.append(Finding("xsd", "UBL-XSD", entry.message, True, f"line {entry.line}"))
        if report.errors:
            return report  # the Schematron assumes a schema-valid document
        encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper().replace("_", "-")
        text = data.decode("utf-8") if encoding in ("UTF-8", "UTF8") else etree.tostring(root, encoding="unicode")
        with self._lock:
            node = self._saxon.parse_xml(xml_text=text)
            svrl = self._xslt.transform_to_string(xdm_node=node)
        if not svrl:
            raise RuntimeError("the CIUS-RO Schematron produced no report")
        for finding in [*svrl_findings(svrl), *identifier_findings(root), *rate_findings(root)]:
            (report.errors if finding.fatal else report.warnings).append(finding)
        return report


def _error(finding: Finding) -> dict[str, Any]:
    """A ``PayloadError`` item: ``loc`` = ["xml", location], ``type`` = the rule id."""
    return {"loc": ["xml", finding.location], "msg": f"[{finding.rule}] {finding.message}", "type": finding.rule}
