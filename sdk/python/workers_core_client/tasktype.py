"""``TaskType``: a task's name, queue, payload model and result model, typed for ``Client.send``/``wait``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

__all__ = ["PayloadT", "ResultT", "TaskType"]

PayloadT = TypeVar("PayloadT", bound=BaseModel)
ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class TaskType(Generic[PayloadT, ResultT]):
    """One task of the contracts (constants in ``workers_core_client.catalog``, e.g. ``EFACTURA_SUBMIT``)."""

    name: str
    queue: str
    payload: type[PayloadT]
    result: type[BaseModel] | None

    def parse_result(self, value: Any) -> ResultT:
        """The task's JSON result as its model (a plain dict for tasks without a declared result)."""
        if self.result is None:
            out: Any = value
        else:
            out = self.result.model_validate(value)
        return out  # type: ignore[no-any-return]
