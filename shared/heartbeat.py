"""Worker-side registry client: register at start, heartbeat on a timer, unregister on graceful stop.

``Heartbeat`` is a plain class with ``start()``/``stop()``; the worker bootstep wraps it. It runs in a
daemon thread of the worker's parent process and never blocks task processing: every call has a
timeout, every failure is logged and retried later with exponential backoff and jitter, and a
registry that is down only delays the next beat. After any failure the next successful call is a
registration again, so a registry that lost its state learns about the instance at once.

Wire protocol (see ``registry/openapi.json``), bearer token with scope ``workers:heartbeat``:

- ``POST   {REGISTRY_URL}/v1/workers/{tag}/instances``                 register (body: ``HeartbeatPayload``)
- ``PATCH  {REGISTRY_URL}/v1/workers/{tag}/heartbeat``                 heartbeat (body: ``HeartbeatPayload``)
- ``DELETE {REGISTRY_URL}/v1/workers/{tag}/instances/{instance_id}``   unregister

Settings read from the settings object (attribute names, env in brackets): ``registry_url``
(``REGISTRY_URL``; empty disables the client), ``registry_token`` (``REGISTRY_TOKEN``, a JWT),
``heartbeat_interval`` (``HEARTBEAT_INTERVAL``, seconds, default 30), ``worker_version``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Final
from urllib.parse import quote

import httpx
import structlog
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, ValidationError

from shared.keys import INSTANCE_ID_PATTERN

__all__ = [
    "DEFAULT_INTERVAL",
    "HEALTH_ENDPOINT_PATTERN",
    "PRINTABLE_PATTERN",
    "Heartbeat",
    "HeartbeatPayload",
    "JsonInt",
    "backoff_delay",
]

log = structlog.get_logger(__name__)

DEFAULT_INTERVAL: Final = 30.0
#: First retry delay after a failure; the window doubles per consecutive failure up to one interval.
BACKOFF_BASE: Final = 1.0


def _iso_datetime(value: Any) -> Any:
    """Timestamps travel as ISO 8601 strings (a number or a bool is refused, as the OpenAPI schema says)."""
    if isinstance(value, (str, datetime)):
        return value
    raise ValueError("expected an ISO 8601 date-time string")


Timestamp = Annotated[datetime, BeforeValidator(_iso_datetime)]


def _integral(value: Any) -> Any:
    """JSON Schema's ``integer`` is any number without a fractional part: ``1000000.0`` is ``1000000``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: printable text: no C0 control character and no DEL. PostgreSQL text cannot hold NUL (a 0x00 reached the
#: database as a 500 before), and control characters in versions, hosts or URLs are never legitimate.
PRINTABLE_PATTERN: Final = r"^[^\x00-\x1f\x7f]*$"
#: an http(s) base URL: scheme, a host without spaces, slashes or control characters, an optional path
HEALTH_ENDPOINT_PATTERN: Final = r"^https?://[^\s/\x00-\x1f\x7f]+(/[^\s\x00-\x1f\x7f]*)?$"

#: the OpenAPI ``integer``: whole numbers, written ``12`` or ``12.0``; ``12.5``, ``"12"`` and ``true`` are refused
JsonInt = Annotated[StrictInt, BeforeValidator(_integral)]


class HeartbeatPayload(BaseModel):
    """What a worker instance reports on registration and on every heartbeat."""

    model_config = ConfigDict(extra="ignore")

    instance_id: str = Field(pattern=INSTANCE_ID_PATTERN, description="Celery node name or pod name/UID.")
    version: str = Field(default="unknown", min_length=1, max_length=64, pattern=PRINTABLE_PATTERN)
    health_endpoint: str | None = Field(
        default=None,
        max_length=500,
        pattern=HEALTH_ENDPOINT_PATTERN,
        description="Base URL of the worker's health app; the registry scrapes `<health_endpoint>/metrics`.",
    )
    consuming: StrictBool = Field(default=True, description="False while the consumer is not taking tasks (idle).")
    queue_size: JsonInt = Field(default=0, ge=0, le=10**9, description="Tasks reserved (prefetched) by the instance.")
    active_tasks: JsonInt = Field(default=0, ge=0, le=10**6)
    last_task_time: Timestamp | None = Field(default=None, description="When the instance last finished a task.")
    health_score: JsonInt | None = Field(default=None, ge=0, le=100, description="The instance's own verdict, 0-100.")
    tasks_succeeded: JsonInt | None = Field(default=None, ge=0, le=10**15)
    tasks_failed: JsonInt | None = Field(default=None, ge=0, le=10**15)
    memory_bytes: JsonInt | None = Field(default=None, ge=0, le=10**15)
    cpu_seconds: StrictFloat | None = Field(default=None, ge=0, le=1e12)
    started_at: Timestamp | None = None
    host: str | None = Field(default=None, max_length=255, pattern=PRINTABLE_PATTERN)
    pid: JsonInt | None = Field(default=None, ge=0, le=2**31)


def backoff_delay(failures: int, *, interval: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with "equal jitter": half the window fixed, half random; the window is capped at one
    interval, so a registry that comes back hears from every instance within one heartbeat interval (issue 20
    §2; with the former 2 x interval cap the retry could land up to two intervals after its return)."""
    cap = max(interval, BACKOFF_BASE)
    window = min(cap, BACKOFF_BASE * 2 ** max(failures - 1, 0))
    return float(window / 2 + (rng or random).uniform(0, window / 2))


def _epoch_to_datetime(name: str, value: Any) -> Any:
    """``stats()`` may give Unix times (``time.time()``) for the timestamp fields."""
    if name in ("last_task_time", "started_at") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return value


def _setting(settings: Any, name: str, default: Any) -> Any:
    value = getattr(settings, name, None)
    if value is None:
        value = getattr(settings, name.upper(), None)
    if value is None:
        return default
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    return value


class Heartbeat:
    """Registers one worker instance with the registry and keeps it fresh (see the module docstring)."""

    def __init__(
        self,
        settings: Any,
        *,
        tag: str,
        instance_id: str,
        health_endpoint: str | None,
        stats: Callable[[], Mapping[str, Any]],
        version: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
        rng: random.Random | None = None,
    ) -> None:
        self.tag = tag
        self.instance_id = instance_id
        self.health_endpoint = health_endpoint
        self.url = str(_setting(settings, "registry_url", "") or "").rstrip("/")
        self.interval = float(_setting(settings, "heartbeat_interval", DEFAULT_INTERVAL))
        self.version = version or str(_setting(settings, "worker_version", "unknown"))
        self._token = str(_setting(settings, "registry_token", "") or "")
        self._stats = stats
        self._transport = transport
        self._timeout = timeout
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not crypto
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None
        self._started_at = datetime.now(UTC)
        self.registered = False
        self.failures = 0
        self.beats = 0
        self.last_error: str | None = None
        self.last_success: float | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    # lifecycle -------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the background thread (no-op when ``REGISTRY_URL`` is empty); returns immediately."""
        if not self.enabled:
            log.info("registry heartbeat disabled", tag=self.tag, reason="REGISTRY_URL is empty")
            return
        if self._thread is not None:
            return
        self._stop.clear()
        self._client = self._make_client()
        self._thread = threading.Thread(target=self._run, name="workers-core-heartbeat", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop beating and unregister (one short attempt); never raises."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout)
        self._thread = None
        client = self._client
        if client is not None and self.registered:
            try:
                response = client.delete(
                    f"{self._instances_url()}/{quote(self.instance_id, safe='')}", timeout=min(timeout, 3.0)
                )
                if response.status_code in (200, 204, 404):
                    log.info("unregistered from the registry", tag=self.tag, instance_id=self.instance_id)
                else:
                    log.warning(
                        "unregister refused", tag=self.tag, status=response.status_code, body=response.text[:300]
                    )
            except httpx.HTTPError as exc:
                log.warning("unregister failed: registry unreachable", tag=self.tag, error=str(exc))
            self.registered = False
        if client is not None:
            client.close()
        self._client = None

    # one attempt -----------------------------------------------------------------------------------
    def beat_once(self) -> bool:
        """Register (after start or any failure) or heartbeat once; True on success. Never raises."""
        client = self._client or self._make_client()
        self._client = client
        try:
            body = self.payload().model_dump(mode="json", exclude_none=True)
            if self.registered:
                response = client.patch(f"{self.url}/v1/workers/{quote(self.tag, safe='')}/heartbeat", json=body)
            else:
                response = client.post(self._instances_url(), json=body)
        except httpx.HTTPError as exc:
            return self._failed(f"registry unreachable: {type(exc).__name__}: {exc}")
        if response.status_code >= 300:
            return self._failed(f"registry answered {response.status_code}: {response.text[:300]}")
        if not self.registered:
            log.info("registered with the registry", tag=self.tag, instance_id=self.instance_id, url=self.url)
        self.registered = True
        self.failures = 0
        self.beats += 1
        self.last_error = None
        self.last_success = time.time()
        return True

    def payload(self) -> HeartbeatPayload:
        """The standard payload: identity plus whatever ``stats()`` reports (a failing ``stats`` is skipped)."""
        base: dict[str, Any] = {
            "instance_id": self.instance_id,
            "version": self.version,
            "health_endpoint": self.health_endpoint,
            "started_at": self._started_at,
        }
        try:
            extra = {k: _epoch_to_datetime(k, v) for k, v in dict(self._stats()).items()}
        except Exception as exc:  # noqa: BLE001 - a broken stats callable must not stop the heartbeat
            log.warning("heartbeat stats failed", tag=self.tag, error=f"{type(exc).__name__}: {exc}")
            extra = {}
        try:
            return HeartbeatPayload.model_validate({**extra, **base})
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            log.warning(
                "heartbeat stats invalid, sent without them",
                tag=self.tag,
                fields=sorted(bad),
                errors=exc.errors(include_url=False, include_input=False),
            )
            kept = {k: v for k, v in extra.items() if k not in bad}
            try:
                return HeartbeatPayload.model_validate({**kept, **base})
            except ValidationError:
                return HeartbeatPayload.model_validate(base)

    # internals -------------------------------------------------------------------------------------
    def next_delay(self, ok: bool) -> float:
        """Seconds until the next attempt: the interval (+/-10 % jitter) after success, backoff after failure."""
        if ok:
            return self.interval * self._rng.uniform(0.9, 1.1)
        return backoff_delay(self.failures, interval=self.interval, rng=self._rng)

    def _run(self) -> None:
        delay = 0.0
        while not self._stop.wait(delay):
            delay = self.next_delay(self.beat_once())

    def _failed(self, error: str) -> bool:
        self.failures += 1
        self.registered = False
        if error != self.last_error or self.failures in (1, 3) or self.failures % 10 == 0:
            log.warning("registry heartbeat failed", tag=self.tag, failures=self.failures, error=error)
        self.last_error = error
        return False

    def _instances_url(self) -> str:
        return f"{self.url}/v1/workers/{quote(self.tag, safe='')}/instances"

    def _make_client(self) -> httpx.Client:
        headers = {"User-Agent": f"workers-core-heartbeat/{self.version}"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return httpx.Client(headers=headers, timeout=self._timeout, transport=self._transport)
