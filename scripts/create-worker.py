#!/usr/bin/env python3
"""Generate a declared worker (``WorkerSpec``) for a queue tag from scripts/templates/worker.

Usage: scripts/create-worker.py --tag invoice.archive [--package invoice_archive] [--root DIR]
                                [--patch-queues] [--force]

It writes ``<package>/`` (app.py with ``SPEC``, tasks.py with the handler, service.py, config.py, models.py,
health.py) and ``tests/<package>/`` (service test, task round trip through a real worker) under ``--root``
(default: this repository). A worker runs only for a tag that ``celeryconfig.QUEUES`` knows: when the tag is
new, the script prints the ``QueueSpec`` line to add, or adds it itself with ``--patch-queues``. It then
prints the ``pyproject.toml`` lines that declare the worker (``workers-core`` finds uninstalled workers
through ``QUEUES`` meanwhile). Existing files are kept unless ``--force``: running it twice never clobbers
real work. Exit status: 0 done, 1 the tag still needs its ``QueueSpec``, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import string
import sys
import uuid
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates" / "worker"
#: template file -> destination (relative to the root)
LAYOUT = {
    "package_init.py.tmpl": "{package}/__init__.py",
    "config.py.tmpl": "{package}/config.py",
    "models.py.tmpl": "{package}/models.py",
    "service.py.tmpl": "{package}/service.py",
    "tasks.py.tmpl": "{package}/tasks.py",
    "health.py.tmpl": "{package}/health.py",
    "app.py.tmpl": "{package}/app.py",
    "tests_init.py.tmpl": "tests/{package}/__init__.py",
    "test_service.py.tmpl": "tests/{package}/test_service.py",
    "test_tasks.py.tmpl": "tests/{package}/test_tasks.py",
}
#: the tag scheme of ``shared.keys.TAG_PATTERN`` (a tag is its queue name)
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
#: the end of the tuple ``QUEUES`` is built from, in celeryconfig.py
QUEUES_END = re.compile(r"(QUEUES: dict\[str, QueueSpec\] = \{.*?\n)(    \)\n\})", re.DOTALL)


def load_celeryconfig(root: Path) -> ModuleType:
    """``<root>/celeryconfig.py`` as a private module (the caller's own ``celeryconfig`` is left alone)."""
    path = root / "celeryconfig.py"
    spec = importlib.util.spec_from_file_location(f"_celeryconfig_{uuid.uuid4().hex}", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module while the class body runs
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def queue_spec_line(tag: str, package: str, queues: dict[str, object]) -> str:
    """The ``QueueSpec`` of a new tag: its own prefix, 110/120 s limits, the next free health port."""
    port = max((int(getattr(q, "health_port", 9800)) for q in queues.values()), default=9800) + 1
    return f'        QueueSpec("{tag}", "{package}", ("{tag}.",), 110, 120, {port}),\n'


def patch_queues(root: Path, line: str) -> None:
    """Add ``line`` as the last entry of ``QUEUES`` in ``<root>/celeryconfig.py``."""
    path = root / "celeryconfig.py"
    text = path.read_text(encoding="utf-8")
    patched, count = QUEUES_END.subn(lambda m: m.group(1) + line + m.group(2), text, count=1)
    if count != 1:
        raise ValueError(f"cannot find the end of QUEUES in {path}; add this line by hand:\n{line}")
    path.write_text(patched, encoding="utf-8")


def values_for(tag: str, package: str) -> dict[str, str]:
    name = "".join(part.capitalize() for part in re.split(r"[._-]", package) if part)
    return {
        "tag": tag,
        "package": package,
        "Name": name,
        "ENV": package.upper() + "_",
        "task": f"{tag}.run",
        "event": f"{tag}.done",
        "ping_task": f"{tag}.ping",
    }


def generate(root: Path, tag: str, package: str, *, force: bool = False) -> list[Path]:
    """Write the worker's files under ``root``; returns the files written (existing ones kept unless force)."""
    values = values_for(tag, package)
    written = []
    for template_name, dest in LAYOUT.items():
        target = root / dest.format(**values)
        if target.exists() and not force:
            continue
        text = string.Template((TEMPLATES / template_name).read_text(encoding="utf-8")).substitute(values)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def entry_points_snippet(tag: str, package: str) -> str:
    return (
        "Declare it in pyproject.toml (then reinstall: pip install -e .):\n"
        '  [project.entry-points."workers_core.workers"]\n'
        f'  "{tag}" = "{package}.app:SPEC"\n'
        "  [tool.poetry] packages:\n"
        f'  {{ include = "{package}" }}\n'
        '  [[tool.mypy.overrides]] module list: "' + package + '.*"\n'
    )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tag", required=True, help="queue tag of the worker, e.g. invoice.archive")
    parser.add_argument("--package", help="Python package (default: the tag with . and - as _)")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository to write into (default: this one)")
    parser.add_argument("--patch-queues", action="store_true", help="add a new tag's QueueSpec to celeryconfig.py")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    args = parser.parse_args(argv)
    if not TAG_RE.match(args.tag):
        parser.error(f"invalid tag {args.tag!r}: lower case letters, digits, '.', '_' or '-'")
    args.package = args.package or re.sub(r"[.-]", "_", args.tag)
    if not args.package.isidentifier():
        parser.error(f"invalid package name {args.package!r}")
    if not (args.root / "celeryconfig.py").is_file():
        parser.error(f"{args.root} has no celeryconfig.py: --root must be a workers-core checkout")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    root: Path = args.root.resolve()
    queues = load_celeryconfig(root).QUEUES
    known = queues.get(args.tag)
    if known is not None and known.package != args.package:
        print(
            f"celeryconfig.QUEUES maps {args.tag} to package {known.package!r}, not {args.package!r}", file=sys.stderr
        )
        return 2
    for path in generate(root, args.tag, args.package, force=args.force):
        print(f"wrote {path.relative_to(root)}")
    status = 0
    if known is None:
        line = queue_spec_line(args.tag, args.package, queues)
        if args.patch_queues:
            try:
                patch_queues(root, line)
            except ValueError as exc:
                print(exc, file=sys.stderr)
                return 1
            if args.tag not in load_celeryconfig(root).QUEUES:
                print(f"patched {root / 'celeryconfig.py'} but QUEUES still lacks {args.tag}", file=sys.stderr)
                return 1
            print(f"added to celeryconfig.QUEUES: {line.strip()}")
        else:
            print(f"celeryconfig.QUEUES has no {args.tag!r}: add this line (or rerun with --patch-queues):\n{line}")
            status = 1
    print(entry_points_snippet(args.tag, args.package))
    return status


if __name__ == "__main__":
    sys.exit(main())
