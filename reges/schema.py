"""The REGES Online XSD, resolved through the schema store (shared.schemas) and compiled once per process."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from shared.schemas import SchemaStore

__all__ = ["ARTEFACT", "XSD_FILE", "RegesSchema"]

ARTEFACT = "reges"
XSD_FILE = "reges.xsd"


@dataclass
class RegesSchema:
    """``reges.xsd`` with the manifest artefacts that it is (``artefacts``, recorded in every result)."""

    xsd: etree.XMLSchema
    artefacts: list[dict[str, str]]
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_store(cls, store: SchemaStore, *, xsd: Path | None = None) -> RegesSchema:
        """The installed (or relocated, pinned-bytes) XSD; ``SchemasUnavailable`` when it is unusable."""
        path = store.locate(ARTEFACT, XSD_FILE, xsd)
        return cls(cls.compile(path), [store.manifest[ARTEFACT].ref])

    @staticmethod
    def compile(path: Path) -> etree.XMLSchema:
        return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)))

    def errors(self, root: etree._Element) -> list[dict[str, Any]]:
        """XSD errors of a message (empty when valid), as structured error items."""
        with self._lock:  # an XMLSchema's error log is not thread-safe
            if self.xsd.validate(etree.ElementTree(root)):
                return []
            return [{"loc": ["message", f"line {e.line}"], "msg": e.message, "type": "xsd"} for e in self.xsd.error_log]
