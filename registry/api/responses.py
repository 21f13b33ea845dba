"""What the ``/v1`` routes share: the documented error answers and the JSON response helper."""

from __future__ import annotations

from typing import Any, Final

from fastapi import Response
from pydantic import BaseModel
from pydantic_core import to_json

from registry.schemas import ErrorOut

__all__ = ["AUTH_ERRORS", "NOT_FOUND", "json_response"]

AUTH_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    401: {"model": ErrorOut, "description": "Missing, malformed, expired or wrongly signed token."},
    403: {"model": ErrorOut, "description": "The token lacks the scope this route needs."},
    422: {"model": ErrorOut, "description": "Invalid path, query or body (`errors` lists loc/msg/type)."},
    503: {"model": ErrorOut, "description": "Redis or the database is unreachable; retry later."},
}
NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {
    404: {"model": ErrorOut, "description": "Unknown tag or instance."}
}


def json_response(content: Any, status_code: int = 200) -> Response:
    """JSON response of a model or of a dict shaped like one (serialized by pydantic-core, dates as ISO 8601)."""
    body = content.model_dump_json() if isinstance(content, BaseModel) else to_json(content)
    return Response(body, status_code=status_code, media_type="application/json")
