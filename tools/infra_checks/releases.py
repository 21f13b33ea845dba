"""Lint, schema-check and render EVERY workers-core release (helm-python-sdk, Helm v4 Go SDK).

A release is a chart + infra/helm/values/common.yaml + infra/helm/values/<release>.yaml: `registry` and `beat`
use their own charts, every other values file is a worker release of infra/helm/worker. CI variants
infra/helm/ci/<release>--<variant>.yaml are layered on top of their release (one more rendering each), and every
infra/helm/ci/reject/<release>--<why>.yaml must be REFUSED (schema or template failure).

Usage: releases.py HELM_DIR OUT_DIR [--no-reject]
Writes OUT_DIR/<release>.yaml and OUT_DIR/<release>--<variant>.yaml (multi-document, "# Source:" comments).
Prints "releases: N rendered, M objects" and exits 1 on any lint error, schema violation, render failure or
accepted reject file.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

OWN_CHART = {"registry": "registry", "beat": "beat", "console": "console"}


@dataclass(frozen=True)
class Release:
    name: str
    chart: Path
    files: tuple[Path, ...]
    out: str


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Helm's -f layering: maps merge recursively, everything else is replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def releases(helm_dir: Path) -> tuple[list[Release], list[Release]]:
    values = helm_dir / "values"
    common = values / "common.yaml"
    base: dict[str, Release] = {}
    for vf in sorted(values.glob("*.yaml")):
        if vf == common:
            continue
        chart = helm_dir / OWN_CHART.get(vf.stem, "worker")
        base[vf.stem] = Release(vf.stem, chart, (common, vf), vf.stem)

    def layered(path: Path) -> Release:
        name = path.stem.split("--", 1)[0]
        if name not in base:
            raise SystemExit(f"{path}: no release {name!r} (infra/helm/values/{name}.yaml)")
        r = base[name]
        return Release(name, r.chart, (*r.files, path), path.stem)

    variants = [layered(p) for p in sorted((helm_dir / "ci").glob("*--*.yaml"))]
    rejects = [layered(p) for p in sorted((helm_dir / "ci" / "reject").glob("*--*.yaml"))]
    return [*base.values(), *variants], rejects


def render(rel: Release, out_file: Path | None) -> tuple[list[str], int]:
    values: dict[str, Any] = {}
    for f in rel.files:
        values = merge(values, yaml.safe_load(f.read_text()) or {})
    problems: list[str] = []
    res = helm.lint(str(rel.chart), values, strict=True, namespace="workers-core")
    for m in res.get("messages", []):
        if m["severity"] >= 2:  # 1 info, 2 warning, 3 error; strict: warnings fail too
            problems.append(f"lint: {m['path']}: {m['error']}")
    problems += [f"lint: {e}" for e in res.get("errors", [])]
    try:
        with helm.Chart.load(str(rel.chart)) as chart:
            chart.validate_schema(values)
            out = chart.render(values, name=rel.name, namespace="workers-core")
    except helm.HelmError as exc:
        return [*problems, f"render: {type(exc).__name__}: {exc}"], 0
    docs = 0
    chunks = []
    for name, text in sorted(out.items()):
        if not text.strip() or name.endswith("NOTES.txt"):
            continue
        chunks.append(f"---\n# Source: {name}\n{text.strip()}\n")
        docs += sum(1 for d in yaml.safe_load_all(text) if d)
    if out_file is not None:
        out_file.write_text("".join(chunks))
    if docs == 0:
        problems.append("render produced no objects")
    return problems, docs


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    helm_dir, out_dir = Path(argv[0]), Path(argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    good, rejects = releases(helm_dir)
    failed = objects = 0
    if "--no-reject" not in argv:
        for rel in rejects:
            problems, _ = render(rel, None)
            if problems:
                print(f"helm: {rel.out}: rejected as required ({' '.join(problems[-1].split())[:200]})")
            else:
                print(f"  FAIL {rel.out}: the chart accepted values it must reject")
                failed += 1
    for rel in good:
        problems, docs = render(rel, out_dir / f"{rel.out}.yaml")
        objects += docs
        print(
            f"helm: release {rel.out} ({rel.chart.name} chart, {' + '.join(f.name for f in rel.files)}): {docs} objects"
        )
        for p in problems:
            print(f"  FAIL {p}")
        failed += bool(problems)
    print(f"releases: {len(good)} rendered, {objects} objects, {len(rejects)} reject files")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
