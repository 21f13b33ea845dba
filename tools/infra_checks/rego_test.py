"""An `opa test` stand-in on regorus: load policies (plain .rego files or the rego embedded in Gatekeeper
ConstraintTemplate YAML) plus *_test.rego files, evaluate every `test_*` rule, and require it to be true.

Usage: rego_test.py [--template TEMPLATE.yaml ...] FILE.rego [...]
Prints PASS/FAIL per test and a closing "N passed, N failed" line; exit 1 on any failure, syntax error or when
no test was found.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import hobofan_regorus as regorus
import yaml


def short(exc: Exception) -> str:
    """The error text without regorus' Rust stack backtrace."""
    return str(exc).split("Stack backtrace:")[0].strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--template", action="append", default=[], help="Gatekeeper ConstraintTemplate YAML")
    ap.add_argument("files", nargs="+", help="rego files (policies and tests)")
    a = ap.parse_args()
    engine = regorus.Engine()
    sources: list[tuple[str, str]] = []
    for t in a.template:
        tmpl = yaml.safe_load(Path(t).read_text())
        for i, target in enumerate(tmpl["spec"]["targets"]):
            sources.append((f"{t}#targets[{i}].rego", target["rego"]))
    sources += [(f, Path(f).read_text()) for f in a.files]
    tests: list[tuple[str, str]] = []
    for name, src in sources:
        try:
            engine.add_policy(name, src)
        except Exception as exc:  # noqa: BLE001 - regorus raises RuntimeError with file:line:col + backtrace
            print(f"FAIL load {name}: {short(exc)}")
            print("0 passed, 1 failed")
            return 1
        m = re.search(r"^package\s+([\w.]+)", src, re.M)
        if m is None:
            print(f"FAIL {name}: no package declaration")
            return 1
        tests += [(m.group(1), t) for t in re.findall(r"^(test_\w+)", src, re.M)]
    passed = failed = 0
    for pkg, test in sorted(set(tests)):
        try:
            value: object = engine.eval_rule(f"data.{pkg}.{test}")
        except Exception as exc:  # noqa: BLE001 - an erroring test is a failed test, not a crash
            value = f"error: {short(exc)}"
        ok = value is True
        print("PASS" if ok else "FAIL", f"data.{pkg}.{test}", "" if ok else f"-> {value!r}")
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
