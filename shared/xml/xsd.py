"""``XsdValidator``: an official XSD compiled once per process; thread-safe; findings instead of an error log."""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from shared.xml.findings import Finding
from shared.xml.parsing import safe_parser

__all__ = ["XsdValidator"]


class XsdValidator:
    """``findings(root)`` lists the XSD errors of a parsed document (empty when valid)."""

    def __init__(self, schema: Path | etree.XMLSchema, *, rule: str = "XSD"):
        if isinstance(schema, etree.XMLSchema):
            self.schema = schema
        else:
            self.schema = etree.XMLSchema(etree.parse(str(schema), safe_parser()))
        self.rule = rule
        self._lock = threading.Lock()  # an XMLSchema's error log is per object, not per call

    def findings(self, root: etree._Element | etree._ElementTree) -> list[Finding]:
        tree = root if isinstance(root, etree._ElementTree) else etree.ElementTree(root)
        with self._lock:
            if self.schema.validate(tree):
                return []
            return [Finding("xsd", self.rule, e.message, True, f"line {e.line}") for e in self.schema.error_log]
