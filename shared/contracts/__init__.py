"""The public task contracts, generated from the declared workers and committed as ``shared/contracts/tasks.json``.

Every ``TaskSpec`` of every ``WorkerSpec`` is an API other services call: its name, the worker tag (queue) that
runs it, the JSON Schema of its payload (the pydantic model the task validates against) and of its result, and
the payload fields it declares sensitive. The gateway validates request bodies against these schemas, the SDKs
generate their types from them, and a test fails when the committed file no longer matches the code
(``workers-core contracts export --write`` refreshes it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from celeryconfig import QUEUES
from shared import plugins
from shared.worker import TaskSpec

__all__ = ["CONTRACTS_PATH", "TaskContract", "contracts_document", "declared_tasks", "load_contracts", "render"]

#: the committed document (shipped inside the package: the gateway reads it without importing the workers)
CONTRACTS_PATH = Path(__file__).resolve().parent / "tasks.json"
VERSION = 1

TaskContract = dict[str, Any]


def declared_tasks(tag: str) -> Sequence[TaskSpec[Any, Any]]:
    """The declared tasks of ``tag`` (``<package>.tasks:TASKS``: no app, settings or services are built)."""
    tasks: Sequence[TaskSpec[Any, Any]] = plugins.load(f"{QUEUES[tag].package}.tasks:TASKS")
    return tasks


def contracts_document() -> dict[str, Any]:
    """``{"version": 1, "tasks": {name: contract}}`` for every public task of every worker, sorted by name."""
    tasks: dict[str, TaskContract] = {}
    for tag in QUEUES:
        for task in declared_tasks(tag):
            tasks[task.name] = {
                "worker": tag,
                "queue": QUEUES[tag].tag,
                "description": task.description or (task.handler.__doc__ or "").strip().split("\n")[0],
                "sensitive": sorted(task.sensitive),
                "payload": task.payload.model_json_schema(mode="validation"),
                "result": task.result.model_json_schema(mode="serialization") if task.result else None,
            }
    return {"version": VERSION, "tasks": dict(sorted(tasks.items()))}


def render(document: dict[str, Any]) -> str:
    """The committed text: stable key order, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_contracts(path: Path = CONTRACTS_PATH) -> dict[str, TaskContract]:
    """The committed contracts by task name (what the gateway serves without importing the workers)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    tasks: dict[str, TaskContract] = document["tasks"]
    return tasks
