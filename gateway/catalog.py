"""The tasks callers may send: the committed contracts (``shared/contracts/tasks.json``) with compiled validators.

Bodies are checked with ``jsonschema_rs`` (Rust, compiled once per task at start-up) against the payload
JSON Schema the worker's pydantic model exports; ``format`` is an annotation (JSON Schema 2020-12 default):
the worker validates again with pydantic, so no value pydantic accepts is refused here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import jsonschema_rs

from gateway.errors import InvalidPayloadError, UnknownTaskError
from shared.contracts import CONTRACTS_PATH, TaskContract, load_contracts

__all__ = ["Catalog", "TaskEntry"]

MAX_REPORTED_ERRORS: Final = 50


@dataclass(frozen=True)
class TaskEntry:
    name: str
    contract: TaskContract
    validator: Any

    def listing(self) -> dict[str, Any]:
        """What ``GET /v1/tasks`` shows of the task."""
        return {
            "name": self.name,
            "worker": self.contract["worker"],
            "queue": self.contract["queue"],
            "description": self.contract.get("description", ""),
            "payload_schema": self.contract["payload"],
            "result_schema": self.contract.get("result"),
        }


def _loc(path: Any) -> list[str | int]:
    return ["body", *(part if isinstance(part, int) else str(part) for part in path)]


class Catalog:
    """Task name -> contract and validator."""

    def __init__(self, contracts: Mapping[str, TaskContract]) -> None:
        self.tasks = {
            name: TaskEntry(name, contract, jsonschema_rs.validator_for(contract["payload"]))
            for name, contract in sorted(contracts.items())
        }

    @classmethod
    def load(cls, path: Path = CONTRACTS_PATH) -> Catalog:
        return cls(load_contracts(path))

    def get(self, name: str) -> TaskEntry:
        entry = self.tasks.get(name)
        if entry is None:
            raise UnknownTaskError(f"no task named {name!r}", details={"task": name})
        return entry

    def validate(self, name: str, payload: Any) -> TaskEntry:
        """The task's entry if ``payload`` matches its schema; ``InvalidPayloadError`` with every problem else."""
        entry = self.get(name)
        if entry.validator.is_valid(payload):
            return entry
        errors: list[dict[str, Any]] = []
        for error in entry.validator.iter_errors(payload):
            errors.append({"loc": _loc(error.instance_path), "msg": error.message})
            if len(errors) >= MAX_REPORTED_ERRORS:
                break
        raise InvalidPayloadError(
            f"the body does not match the payload schema of {name!r}", details={"task": name, "errors": errors}
        )
