"""Streaming XSD validation of D406 files (libxml2 validates while parsing; parsed elements are freed).

The published XSD declares the test namespace (``...:d406t:...``); production files use ``...:d406:...``,
so the schema is loaded a second time with its target namespace rewritten (ANAF.md §4).
"""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from anaf_saft.writer import NS_PRODUCTION, NS_TEST
from shared.schemas import SchemaStore
from shared.xml import Finding

__all__ = ["ARTEFACT", "XSD_FILE", "SaftSchema"]

_RECORD_TAGS = (
    "Transaction",
    "Account",
    "Customer",
    "Supplier",
    "TaxTableEntry",
    "UOMTableEntry",
    "Journal",
    "Invoice",
    "Payment",
)


#: The artefact of the schema manifest (shared/schemas/manifest.toml) a D406 file is validated against.
ARTEFACT = "saft-d406"
XSD_FILE = "Ro_SAFT_Schema_v248_20231121.xsd"


class SaftSchema:
    """The SAF-T XSD for both namespaces, compiled once; ``artefacts`` names what validates the files."""

    @classmethod
    def from_store(cls, store: SchemaStore, *, xsd: Path | None = None) -> SaftSchema:
        """The installed (or relocated, pinned-bytes) XSD; ``SchemasUnavailable`` when it is unusable."""
        return cls(store.locate(ARTEFACT, XSD_FILE, xsd), artefacts=[store.manifest[ARTEFACT].ref])

    def __init__(self, xsd_path: Path, *, artefacts: list[dict[str, str]] | None = None):
        self.path = Path(xsd_path)
        self.artefacts = (
            list(artefacts) if artefacts is not None else [{"name": ARTEFACT, "version": f"unverified {xsd_path}"}]
        )
        raw = self.path.read_bytes()
        if NS_TEST.encode() not in raw:
            raise ValueError(f"{xsd_path} does not declare {NS_TEST}")
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        self._schemas = {
            NS_TEST: etree.XMLSchema(etree.fromstring(raw, parser, base_url=str(self.path))),
            NS_PRODUCTION: etree.XMLSchema(
                etree.fromstring(raw.replace(NS_TEST.encode(), NS_PRODUCTION.encode()), parser, base_url=str(self.path))
            ),
        }
        self._lock = threading.Lock()

    def validate_file(self, path: Path, namespace: str) -> list[Finding]:
        """Validate ``path`` in bounded memory; returns the XSD errors as fatal findings."""
        schema = self._schemas[namespace]
        with self._lock:  # an XMLSchema's error log is not thread-safe
            try:
                tags = [f"{{{namespace}}}{t}" for t in _RECORD_TAGS]
                for _, el in etree.iterparse(
                    str(path),
                    events=("end",),
                    tag=tags,
                    schema=schema,
                    resolve_entities=False,
                    no_network=True,
                    huge_tree=True,
                ):
                    el.clear(keep_tail=True)  # a finished record: free it and its finished siblings
                    while el.getprevious() is not None:
                        del el.getparent()[0]
            except etree.XMLSyntaxError as exc:  # parsing stops at the first schema error
                line = exc.position[0] if exc.position else "?"
                return [Finding(source="xsd", rule="xsd", message=str(exc.msg), fatal=True, location=f"line {line}")]
        return []
