"""Product modules stay small: no file over 400 lines, no function over 60 (templates and migrations aside)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from celeryconfig import QUEUES

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["shared", "anaf_core", "registry", "gateway", *sorted({spec.package for spec in QUEUES.values()})]


def _modules(package: str) -> list[Path]:
    return [p for p in (ROOT / package).rglob("*.py") if not {"migrations", "templates"} & set(p.parts)]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_file_over_400_lines_and_no_function_over_60(package: str) -> None:
    long_files, long_functions = [], []
    for path in _modules(package):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 400:
            long_files.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    long_functions.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    assert long_files == [] and long_functions == []
