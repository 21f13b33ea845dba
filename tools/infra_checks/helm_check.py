"""Lint, schema-check and render a Helm chart once per values file (helm-python-sdk, Helm v4 Go SDK).

Usage: helm_check.py CHART_DIR OUT_DIR [VALUES_FILE ...] [--must-fail VALUES_FILE ...]
Writes OUT_DIR/<values-file-stem>.yaml (multi-document, "# Source:" comments) for every values file, or
OUT_DIR/default.yaml when none is given. Exit 1 on any lint error, schema violation or render failure, and when
a --must-fail values file (e.g. image.tag: latest) is NOT rejected by the chart.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml


def check(chart_dir: str, values: dict[str, Any], out_file: Path) -> list[str]:
    problems: list[str] = []
    res = helm.lint(chart_dir, values, strict=True, namespace="workers-core")
    for m in res.get("messages", []):
        print(f"  lint[{m['severity']}] {m['path']}: {m['error']}")
        if m["severity"] >= 2:  # 1 info, 2 warning, 3 error; strict: warnings fail too
            problems.append(f"lint: {m['path']}: {m['error']}")
    problems += [f"lint: {e}" for e in res.get("errors", [])]
    try:
        with helm.Chart.load(chart_dir) as chart:
            chart.validate_schema(values)
            out = chart.render(values, name="workers-core", namespace="workers-core")
    except helm.HelmError as exc:
        return [*problems, f"render: {type(exc).__name__}: {exc}"]
    docs = 0
    with out_file.open("w") as fh:
        for name, text in sorted(out.items()):
            if not text.strip() or name.endswith("NOTES.txt"):
                continue
            fh.write(f"---\n# Source: {name}\n{text.strip()}\n")
            docs += sum(1 for d in yaml.safe_load_all(text) if d)
    print(f"  rendered {docs} objects -> {out_file}")
    if docs == 0:
        problems.append("render produced no objects")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    chart_dir, out_dir, *rest = argv
    values_files = rest[: rest.index("--must-fail")] if "--must-fail" in rest else rest
    must_fail = rest[rest.index("--must-fail") + 1 :] if "--must-fail" in rest else []
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    failed = 0
    for vf in must_fail:
        values = yaml.safe_load(Path(vf).read_text()) or {}
        problems = check(chart_dir, values, Path(out_dir) / "rejected.tmp")
        if problems:
            print(f"helm: {vf}: rejected as required ({problems[-1].splitlines()[0][:160]})")
        else:
            print(f"  FAIL {vf}: the chart accepted values it must reject")
            failed += 1
    (Path(out_dir) / "rejected.tmp").unlink(missing_ok=True)
    for vf in values_files or [""]:
        values = (yaml.safe_load(Path(vf).read_text()) or {}) if vf else {}
        stem = Path(vf).stem if vf else "default"
        print(f"helm: {chart_dir} with {vf or 'chart defaults'}")
        problems = check(chart_dir, values, Path(out_dir) / f"{stem}.yaml")
        for p in problems:
            print(f"  FAIL {p}")
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
