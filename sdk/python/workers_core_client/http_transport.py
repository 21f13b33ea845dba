"""``HttpTransport``: tasks through the task gateway (``POST /v1/tasks/{name}``, ``GET /v1/tasks/{id}``, SSE).

Sending is retried on connection errors, 502/503/504 and short 429s with the SAME ``Idempotency-Key`` (one is
generated when the caller gave none), so a retry never files twice. Gateway errors become the client's error
types (``errors.error_for_status``); ``wait`` follows ``/events`` (server-sent events) to the final state.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from workers_core_client.errors import TaskTimeout, Unavailable, WorkersCoreError, error_for_status
from workers_core_client.status import ErrorInfo, Sent, TaskStatus

__all__ = ["HttpTransport", "parse_status"]

_RETRY_STATUS = {502, 503, 504}


def parse_status(body: Mapping[str, Any]) -> TaskStatus:
    """A ``GET /v1/tasks/{id}`` body (the same JSON as an SSE ``state`` event)."""
    error = body.get("error")
    info = None
    if isinstance(error, Mapping):
        details = dict(error.get("details") or {})
        details.update({k: v for k, v in error.items() if k not in ("code", "message", "details", "type", "retryable")})
        info = ErrorInfo(str(error.get("code", "task_failed")), str(error.get("message", "")), details)
    return TaskStatus(
        task_id=str(body["task_id"]),
        name=str(body.get("name", "")),
        state=body["state"],
        result=body.get("result"),
        error=info,
        correlation_id=body.get("correlation_id"),
        tenant=body.get("tenant"),
        created_at=body.get("created_at"),
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class HttpTransport:
    """``base_url`` of the gateway and a bearer token (HS256 JWT with ``tasks:send:...`` / ``tasks:read``)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.2,
        max_retry_after: float = 5.0,
        client: httpx.Client | None = None,
    ):
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.http = client or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self.http.headers["Authorization"] = f"Bearer {token}"

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict):
            return body
        if response.is_success:
            raise Unavailable(f"gateway answered {response.status_code} without JSON", code="bad_gateway_answer")
        raise error_for_status(response.status_code, body, _retry_after(response))

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise Unavailable(f"gateway unreachable: {exc!r}", code="gateway_unreachable") from exc

    def send(
        self,
        name: str,
        queue: str | None,
        payload: Mapping[str, Any],
        *,
        idempotency_key: str | None,
        correlation_id: str | None,
    ) -> Sent:
        headers = {"Idempotency-Key": idempotency_key or uuid.uuid4().hex}
        if correlation_id:
            headers["X-Correlation-Id"] = correlation_id
        attempt = 0
        while True:
            try:
                response = self._request("POST", f"/v1/tasks/{name}", json=dict(payload), headers=headers)
                body = self._json(response)
                return Sent(
                    str(body["task_id"]),
                    str(body.get("name", name)),
                    body.get("correlation_id"),
                    body.get("status_url"),
                    body.get("events_url"),
                    response.headers.get("Idempotency-Replayed", "").lower() == "true",
                )
            except WorkersCoreError as exc:
                delay = self._retry_delay(exc, attempt)
                if delay is None:
                    raise
            attempt += 1
            time.sleep(delay)

    def _retry_delay(self, exc: WorkersCoreError, attempt: int) -> float | None:
        if attempt >= self.retries:
            return None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return float(retry_after) if retry_after <= self.max_retry_after else None
        if isinstance(exc, Unavailable):
            return float(self.backoff * (2**attempt))
        return None

    def status(self, task_id: str, name: str) -> TaskStatus:
        return parse_status(self._json(self._request("GET", f"/v1/tasks/{task_id}")))

    def wait(self, task_id: str, name: str, timeout: float) -> TaskStatus:
        last: TaskStatus | None = None
        for status in self.progress(task_id, name, timeout):
            last = status
        if last is None or not last.done:
            raise TaskTimeout(f"{name} {task_id}: the event stream ended before a final state")
        return last

    def progress(self, task_id: str, name: str, timeout: float) -> Iterator[TaskStatus]:
        deadline = time.monotonic() + timeout
        try:
            with self.http.stream("GET", f"/v1/tasks/{task_id}/events", timeout=httpx.Timeout(timeout)) as response:
                if not response.is_success:
                    response.read()
                    self._json(response)
                yield from self._events(response, deadline, name, task_id)
        except httpx.TimeoutException:
            raise TaskTimeout(f"{name} {task_id}: no final state within {timeout}s") from None
        except httpx.TransportError as exc:
            raise Unavailable(f"gateway unreachable: {exc!r}", code="gateway_unreachable") from exc

    def _events(self, response: httpx.Response, deadline: float, name: str, task_id: str) -> Iterator[TaskStatus]:
        event, data = "message", []
        for line in response.iter_lines():
            if time.monotonic() > deadline:
                raise TaskTimeout(f"{name} {task_id}: no final state in time")
            if line.startswith(":"):
                continue
            if line:
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    event = value
                elif field == "data":
                    data.append(value)
                continue
            if event == "end":
                return
            if event == "state" and data:
                status = parse_status(json.loads("\n".join(data)))
                yield status
                if status.done:
                    return
            event, data = "message", []

    def close(self) -> None:
        self.http.close()
