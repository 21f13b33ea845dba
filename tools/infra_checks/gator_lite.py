"""A `gator verify` stand-in: apply a Gatekeeper ConstraintTemplate + Constraint to rendered manifests.

Usage: gator_lite.py [--expect-annotated] TEMPLATE.yaml CONSTRAINT.yaml MANIFEST.yaml [...]
Checks that the Constraint's kind is the template's CRD kind and that its parameters satisfy the template's
openAPIV3Schema, then evaluates data.<package>.violation (regorus) for every object selected by
spec.match.kinds and spec.match.labelSelector.matchLabels. Prints VIOLATION lines; exit 1 when any is found.
--expect-annotated (for bad fixtures): every object declares annotation
policy.workers-core.io/expected-violations: "N"; exit 0 only when each object gets exactly N violations.
Not emulated: namespaceSelector, excludedNamespaces, data.inventory, external data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import hobofan_regorus as regorus
import jsonschema
import yaml


def selected(obj: dict[str, Any], match: dict[str, Any]) -> bool:
    api = obj.get("apiVersion", "")
    group = api.split("/")[0] if "/" in api else ""
    kinds = {(g, k) for m in match.get("kinds", []) for g in m.get("apiGroups", []) for k in m.get("kinds", [])}
    if kinds and not ({(group, obj["kind"]), ("*", obj["kind"]), (group, "*"), ("*", "*")} & kinds):
        return False
    want = match.get("labelSelector", {}).get("matchLabels", {})
    labels = obj.get("metadata", {}).get("labels", {}) or {}
    return all(labels.get(k) == v for k, v in want.items())


EXPECT = "policy.workers-core.io/expected-violations"


def main(argv: list[str]) -> int:
    expect_annotated = "--expect-annotated" in argv
    argv = [a for a in argv if a != "--expect-annotated"]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    tmpl_f, con_f, *manifests = argv
    tmpl = yaml.safe_load(Path(tmpl_f).read_text())
    con = yaml.safe_load(Path(con_f).read_text())
    tkind = tmpl["spec"]["crd"]["spec"]["names"]["kind"]
    if con["kind"] != tkind:
        print(f"FAIL constraint kind {con['kind']!r} != template kind {tkind!r}")
        return 1
    if tmpl["metadata"]["name"] != tkind.lower():
        print(f"FAIL template name {tmpl['metadata']['name']!r} must be the lowercase kind {tkind.lower()!r}")
        return 1
    params = con["spec"].get("parameters", {})
    schema = tmpl["spec"]["crd"]["spec"].get("validation", {}).get("openAPIV3Schema")
    if schema:
        try:
            jsonschema.validate(params, schema)
        except jsonschema.ValidationError as exc:
            print(f"FAIL constraint parameters: {exc.message}")
            return 1
    rego = tmpl["spec"]["targets"][0]["rego"]
    pkg = next(line.split()[1] for line in rego.splitlines() if line.startswith("package "))
    match = con["spec"].get("match", {})
    bad = checked = mismatched = 0
    for f in manifests:
        for obj in yaml.safe_load_all(Path(f).read_text()):
            if not obj or not selected(obj, match):
                continue
            checked += 1
            api = obj["apiVersion"]
            group = api.split("/")[0] if "/" in api else ""
            engine = regorus.Engine()
            engine.add_policy("template.rego", rego)
            engine.set_input_json(
                json.dumps(
                    {
                        "review": {
                            "object": obj,
                            "kind": {"group": group, "version": api.split("/")[-1], "kind": obj["kind"]},
                            "name": obj["metadata"].get("name"),
                            "operation": "CREATE",
                        },
                        "parameters": params,
                    }
                )
            )
            found = json.loads(engine.eval_rule_as_json(f"data.{pkg}.violation")) or []
            for v in found:
                print(f"VIOLATION {f}: {v['msg']}")
            bad += len(found)
            want = int((obj["metadata"].get("annotations") or {}).get(EXPECT, "0"))
            if expect_annotated and len(found) != want:
                print(
                    f"MISMATCH {f}: {obj['kind']}/{obj['metadata'].get('name')}: {len(found)} violations,"
                    f" expected {want}"
                )
                mismatched += 1
    print(f"gator-lite: {con['metadata']['name']}: {checked} objects checked, {bad} violations")
    if checked == 0:
        print("FAIL no object matched the constraint (wrong match or empty input)")
        return 1
    if expect_annotated:
        return 1 if mismatched else 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
