"""Cross-check the image build matrix: Dockerfile stages, docker-bake.json, compose.yaml, the CI workflow and
celeryconfig.QUEUES must agree on one image per worker tag (+ the registry).

Usage: image_matrix.py [--root .]
Fails when: a queue has no bake target / compose service; a bake target names a missing Dockerfile stage or a
missing requirements/<EXTRA>.txt lock; compose builds a different target/EXTRA than bake; Chromium or Tesseract
would land in an image that does not need them; a stage's final USER is not 1000; the workflow matrix is not read
from docker-bake.json.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

import yaml

NEEDS = {"pdf-render": "os-chromium", "ocr": "os-tesseract"}


def stages(dockerfile: str) -> dict[str, str]:
    """stage name -> parent (FROM) for every `FROM x AS y`."""
    return {m.group(2): m.group(1) for m in re.finditer(r"^FROM\s+(\S+)\s+AS\s+(\S+)", dockerfile, re.M | re.I)}


def ancestry(stage: str, parents: dict[str, str]) -> list[str]:
    chain = [stage]
    while chain[-1] in parents:
        chain.append(parents[chain[-1]])
    return chain


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=Path("."))
    root = ap.parse_args().root
    errs: list[str] = []
    dockerfile = (root / "docker/Dockerfile").read_text()
    parents = stages(dockerfile)
    bake = json.loads((root / "docker/docker-bake.json").read_text())
    compose = yaml.safe_load((root / "docker/compose.yaml").read_text())
    queues: dict[str, str] = {}
    for node in ast.walk(ast.parse((root / "celeryconfig.py").read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "QueueSpec":
            tag, pkg = ast.literal_eval(node.args[0]), ast.literal_eval(node.args[1])
            queues[tag] = pkg
    if not queues:
        errs.append("no QueueSpec in celeryconfig.py")
    targets = bake["target"]
    for tag in queues:
        slug = tag.replace(".", "-")
        if slug not in targets:
            errs.append(f"queue {tag}: no docker-bake.json target {slug!r}")
        if slug not in compose["services"]:
            errs.append(f"queue {tag}: no compose service {slug!r}")
        elif f'"worker", "{tag}"' not in dockerfile.split(f"AS {slug}\n", 1)[-1].split("FROM", 1)[0]:
            errs.append(f"queue {tag}: Dockerfile stage {slug} does not run `worker {tag}`")
    if "registry" not in targets or "registry" not in compose["services"]:
        errs.append("registry image missing from bake or compose")
    for slug, t in targets.items():
        if t.get("target") not in parents:
            errs.append(f"bake {slug}: Dockerfile has no stage {t.get('target')!r}")
            continue
        extra = t.get("args", {}).get("EXTRA")
        if not extra or not (root / f"requirements/{extra}.txt").exists():
            errs.append(f"bake {slug}: lock file requirements/{extra}.txt is missing")
        chain = ancestry(t["target"], parents)
        for img, os_stage in (("chromium", "os-chromium"), ("tesseract", "os-tesseract")):
            wanted = NEEDS.get(slug) == os_stage
            if (os_stage in chain) != wanted:
                errs.append(
                    f"bake {slug}: {img} {'missing' if wanted else 'must not be installed'} ({' <- '.join(chain)})"
                )
        svc = compose["services"].get(slug, {})
        build = svc.get("build", {})
        if build.get("target") != t["target"] or build.get("args", {}).get("EXTRA") != extra:
            errs.append(
                f"compose {slug}: builds target/EXTRA {build.get('target')}/{build.get('args', {}).get('EXTRA')}"
                f" but bake says {t['target']}/{extra}"
            )
    # Every runtime base ends as uid 1000.
    for rt in ("rt-plain", "rt-tesseract", "rt-chromium"):
        body = dockerfile.split(f"AS {rt}\n", 1)[-1].split("\nFROM ", 1)[0]
        users = re.findall(r"^USER\s+(\S+)", body, re.M)
        if not users or users[-1] not in ("1000", "1000:1000"):
            errs.append(f"Dockerfile {rt}: last USER is {users[-1] if users else None!r}, expected 1000")
    wf = root / ".github/workflows/images.yaml"
    if wf.exists() and "docker/docker-bake.json" not in wf.read_text():
        errs.append("images workflow does not read its matrix from docker/docker-bake.json")
    for e in errs:
        print(f"FAIL {e}")
    print(f"image-matrix: {len(targets)} images, {len(queues)} queues, {len(errs)} problems")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
