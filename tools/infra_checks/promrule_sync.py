"""Keep the PrometheusRule CR identical to the plain Prometheus rule file (one source of truth).

Usage: promrule_sync.py RULES.yaml PROMETHEUSRULE.yaml [--write]
Without --write: exit 1 when spec.groups of the CR differ from the plain file's groups. With --write: regenerate
the CR from the plain file. `extract` mode writes the CR's spec as a plain rule file for promtool:
  promrule_sync.py --extract PROMETHEUSRULE.yaml OUT.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

HEADER = "# Generated from prometheus-rules.yaml by tools/infra_checks/promrule_sync.py --write. Do not edit.\n"


def cr(groups: list[dict[str, object]]) -> dict[str, object]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "workers-core",
            "labels": {"app.kubernetes.io/part-of": "workers-core", "prometheus": "k8s", "role": "alert-rules"},
        },
        "spec": {"groups": groups},
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--extract"] and len(argv) == 3:
        doc = yaml.safe_load(Path(argv[1]).read_text())
        Path(argv[2]).write_text(yaml.safe_dump({"groups": doc["spec"]["groups"]}, sort_keys=False))
        return 0
    write = "--write" in argv
    args = [a for a in argv if a != "--write"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    rules_f, cr_f = map(Path, args)
    groups = yaml.safe_load(rules_f.read_text())["groups"]
    if write:
        cr_f.write_text(HEADER + yaml.safe_dump(cr(groups), sort_keys=False, width=120))
        print(f"wrote {cr_f}")
        return 0
    if not cr_f.exists():
        print(f"FAIL {cr_f} missing; run with --write")
        return 1
    have = yaml.safe_load(cr_f.read_text())
    if have.get("kind") != "PrometheusRule" or have.get("spec", {}).get("groups") != groups:
        print(f"FAIL {cr_f} is out of sync with {rules_f}; run promrule_sync.py --write")
        return 1
    print(f"promrule-sync: {cr_f} matches {rules_f} ({sum(len(g['rules']) for g in groups)} rules)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
