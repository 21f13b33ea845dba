"""The EN 16931 coverage table: every BT/BG once, every field of the invoice JSON Schema accounted for."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from anaf_efactura.coverage import END, EXTENSIONS, README, START, TERMS, render
from anaf_efactura.schema import invoice_schema

#: EN 16931-1 numbers its terms BT-1..BT-165 (BT-4 was withdrawn) and its groups BG-1..BG-32
EXPECTED = {f"BT-{n}" for n in range(1, 166) if n != 4} | {f"BG-{n}" for n in range(1, 33)}


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _resolve(schema, schema["$defs"][node["$ref"].rsplit("/", 1)[1]])
    for key in ("anyOf", "oneOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"]
            if len(options) == 1:
                return _resolve(schema, options[0])
    return node


def _children(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    node = _resolve(schema, node)
    if node.get("type") == "array" and "items" in node:
        return {"[]": _resolve(schema, node["items"])}
    if node.get("type") == "object" and isinstance(node.get("additionalProperties"), dict):
        return {".*": _resolve(schema, node["additionalProperties"])}
    return {f".{k}": _resolve(schema, v) for k, v in node.get("properties", {}).items()}


def schema_paths() -> tuple[set[str], set[str]]:
    """(every path, the leaf paths) of the invoice JSON Schema, in the table's notation."""
    schema = invoice_schema()
    every: set[str] = set()
    leaves: set[str] = set()

    def walk(prefix: str, node: dict[str, Any]) -> None:
        kids = _children(schema, node)
        if not kids:
            leaves.add(prefix)
        for suffix, child in kids.items():
            path = (prefix + suffix).lstrip(".")
            every.add(path)
            walk(path, child)

    walk("", schema)
    return every, leaves


def test_every_term_listed_once() -> None:
    counts = Counter(t.id for t in TERMS)
    assert {k for k, n in counts.items() if n > 1} == set()
    assert set(counts) == EXPECTED


def test_every_named_field_exists_in_the_json_schema() -> None:
    every, _ = schema_paths()
    named = {p for t in TERMS for p in t.paths} | set(EXTENSIONS)
    assert named - every == set()
    assert all(t.paths for t in TERMS if t.status == "supported")
    assert all(t.note for t in TERMS if t.status != "supported"), "say why"


def test_every_field_of_the_json_schema_stands_for_a_term() -> None:
    _, leaves = schema_paths()
    named = {p for t in TERMS for p in t.paths} | set(EXTENSIONS)
    # a leaf is accounted for when it or one of its ancestors (a group) is named
    unclaimed = {leaf for leaf in leaves if leaf not in named}
    assert unclaimed == set(), sorted(unclaimed)


def test_published_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    published = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert published == render(), "regenerate: python -m anaf_efactura.coverage"
    assert len(re.findall(r"^\| B[TG]-\d+ \|", published, re.M)) == len(EXPECTED)
