"""Where workers, CLI groups and beat schedules are found: the package's entry points.

``pyproject.toml`` declares them (``workers_core.workers``: tag -> ``<package>.app:SPEC``; ``workers_core.cli``:
group -> click group; ``workers_core.schedules``: name -> a dict of beat entries). An uninstalled source tree
(a freshly generated worker) has no metadata yet: its worker is then found through ``celeryconfig.QUEUES``,
which names the package of every tag.
"""

from __future__ import annotations

import importlib
import importlib.util
from importlib.metadata import entry_points
from typing import Any

from celeryconfig import QUEUES

__all__ = ["cli_groups", "load", "schedules", "worker_target"]


def _group(name: str) -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=name)}


def load(target: str) -> Any:
    """Import ``module:attr``."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr) if attr else importlib.import_module(module)


def importable(target: str) -> bool:
    try:
        return importlib.util.find_spec(target.partition(":")[0]) is not None
    except ModuleNotFoundError:
        return False


def cli_groups() -> dict[str, str]:
    """CLI group name -> ``module:attr`` of every installed worker package (and the platform's own)."""
    return _group("workers_core.cli")


def worker_target(tag: str) -> str:
    """``module:attr`` of the ``WorkerSpec`` of ``tag`` (its ``app`` lives in the same module)."""
    found = _group("workers_core.workers").get(tag)
    return found or f"{QUEUES[tag].package}.app:SPEC"


def schedules() -> dict[str, dict[str, Any]]:
    """Every beat entry the installed worker packages declare (``workers-core beat`` runs them)."""
    merged: dict[str, dict[str, Any]] = {}
    for target in _group("workers_core.schedules").values():
        if importable(target):
            merged.update(load(target))
    return merged
