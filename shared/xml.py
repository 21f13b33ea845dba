"""The one hardened lxml parser for XML we did not write (ANAF answers, caller documents, uploads).

No entity expansion (XXE, billion laughs), no DTD loading, no network, no huge-tree mode. Needs lxml,
which only the ANAF/SAF-T/REGES extras install, so nothing imports this module unless it parses XML.
"""

from __future__ import annotations

from lxml import etree

__all__ = ["safe_parser"]


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
