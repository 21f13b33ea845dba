"""The shape the architecture promises, checked on the import graph (grimp): no import cycles, no worker importing
another worker, the platform (``shared``) and the ANAF client importing no worker, product code importing no test."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

from celeryconfig import QUEUES

WORKERS = sorted({spec.package for spec in QUEUES.values()})
PRODUCT = ["shared", "anaf_core", "registry", "gateway", "console", *WORKERS]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # imports under ``if TYPE_CHECKING`` never run: they cannot form a cycle
    return grimp.build_graph(*PRODUCT, "tests", include_external_packages=False, exclude_type_checking_imports=True)


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    edges = {m: [n for n in graph.find_modules_directly_imported_by(m) if n in modules and n != m] for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_import_cycles_in_product_code(graph: grimp.ImportGraph) -> None:
    modules = {m for m in graph.modules if m.split(".")[0] in PRODUCT}
    assert _cycles(graph, modules) == []


@pytest.mark.parametrize("worker", WORKERS)
def test_every_worker_is_declared(worker: str) -> None:
    assert "create_app(SPEC" in (ROOT / worker / "app.py").read_text(encoding="utf-8"), worker


@pytest.mark.parametrize("worker", WORKERS)
def test_a_worker_imports_no_other_worker(graph: grimp.ImportGraph, worker: str) -> None:
    others = [w for w in WORKERS if w != worker]
    found = [o for o in others if graph.chain_exists(importer=worker, imported=o, as_packages=True)]
    assert found == [], f"{worker} depends on {found}"


@pytest.mark.parametrize("package", ["shared", "anaf_core", "registry", "gateway", "console"])
def test_platform_packages_import_no_worker(graph: grimp.ImportGraph, package: str) -> None:
    found = [w for w in WORKERS if graph.chain_exists(importer=package, imported=w, as_packages=True)]
    assert found == [], f"{package} depends on {found}"


@pytest.mark.parametrize("package", PRODUCT)
def test_product_code_imports_no_test_code(graph: grimp.ImportGraph, package: str) -> None:
    assert not graph.chain_exists(importer=package, imported="tests", as_packages=True)
