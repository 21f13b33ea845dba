#!/usr/bin/env python3
"""Generate a worker package (app, tasks, health, a test) for a queue tag from scripts/templates/worker.

Usage: scripts/create-worker.py --tag ocr [--force]      (or --all for every tag in celeryconfig.QUEUES)

Existing files are kept unless --force is given, so running it again never clobbers real work.
"""

from __future__ import annotations

import argparse
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from celeryconfig import QUEUES  # noqa: E402

TEMPLATES = ROOT / "scripts" / "templates" / "worker"
#: template file -> destination (relative to the repo root)
LAYOUT = {
    "__init__.py.tmpl": "{package}/__init__.py",
    "app.py.tmpl": "{package}/app.py",
    "tasks.py.tmpl": "{package}/tasks.py",
    "health.py.tmpl": "{package}/health.py",
    "test_ping.py.tmpl": "tests/{package}/test_{package}_ping.py",
    "tests_init.py.tmpl": "tests/{package}/__init__.py",
}


def generate(tag: str, *, force: bool = False) -> list[Path]:
    spec = QUEUES[tag]
    values = {"tag": spec.tag, "package": spec.package, "ping_task": spec.ping_task, "dlq": spec.dlq,
              "health_port": spec.health_port}
    written = []
    for template_name, dest in LAYOUT.items():
        target = ROOT / dest.format(**values)
        if target.exists() and not force:
            continue
        text = string.Template((TEMPLATES / template_name).read_text()).substitute(values)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--tag", choices=sorted(QUEUES), help="queue tag of the worker")
    group.add_argument("--all", action="store_true", help="every tag in celeryconfig.QUEUES")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    args = parser.parse_args(argv)
    tags = list(QUEUES) if args.all else [args.tag]
    for tag in tags:
        for path in generate(tag, force=args.force):
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
