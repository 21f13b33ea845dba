"""Sanity-check Grafana dashboard JSON and parse every panel query with promtool.

Usage: dash_check.py DASHBOARD.json [...]
Checks: valid JSON with uid/title/panels/schemaVersion; unique panel ids (rows included); gridPos on every
panel; every target has a refId and an expr; every expr (after replacing Grafana's $__* macros and $variables
by literals) parses as PromQL (`promtool check rules`). Exit 1 on any problem.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

MACROS = {r"\$__rate_interval": "5m", r"\$__interval": "1m", r"\$__range": "1h", r"\$\{?__\w+\}?": "1m"}


def walk(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for p in panels:
        yield p
        yield from walk(p.get("panels", []))


def promql(expr: str) -> str:
    for pat, rep in MACROS.items():
        expr = re.sub(pat, rep, expr)
    return re.sub(r"\$\{?(\w+)(:\w+)?\}?", "x", expr)


def check(path: Path) -> list[str]:
    try:
        d = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        return [f"{path}: invalid JSON: {exc}"]
    errs = [f"{path}: missing {k}" for k in ("uid", "title", "panels", "schemaVersion") if k not in d]
    panels = list(walk(d.get("panels", [])))
    ids = [p.get("id") for p in panels]
    dup = sorted({i for i in ids if ids.count(i) > 1}, key=str)
    if dup:
        errs.append(f"{path}: duplicate panel ids {dup}")
    rules = []
    for p in panels:
        if "gridPos" not in p:
            errs.append(f"{path}: panel {p.get('id')} {p.get('title')!r} has no gridPos")
        for t in p.get("targets", []):
            if not t.get("refId") or not t.get("expr"):
                errs.append(f"{path}: panel {p.get('id')} target without refId/expr")
                continue
            rules.append({"record": f"panel_{p.get('id')}_{t['refId']}", "expr": promql(t["expr"])})
    if not rules:
        errs.append(f"{path}: no queries")
        return errs
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as tf:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, tf)
    r = subprocess.run(  # noqa: S603 - fixed argv, no shell; Debian's promtool from PATH
        ["promtool", "check", "rules", tf.name],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    Path(tf.name).unlink()
    if r.returncode:
        detail = (r.stdout + r.stderr).strip().splitlines()
        errs.append(f"{path}: PromQL: " + " | ".join(line.strip() for line in detail[-3:]))
    else:
        print(f"dash-check: {path}: {len(panels)} panels, {len(rules)} queries parse")
    return errs


def main(argv: list[str]) -> int:
    errs = [e for f in argv for e in check(Path(f))]
    for e in errs:
        print(f"FAIL {e}")
    return 1 if errs or not argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
