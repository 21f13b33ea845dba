"""``WorkerHealthCheckJob``: scrape every instance's ``/metrics`` (Prometheus text), update status and metrics.

Per instance: the endpoint must pass ``ScrapePolicy`` (allowed networks/hosts, the heartbeat's peer
address, no loopback/link-local/metadata address outside development; a refusal is a failed check, not
retried); then GET ``<health_endpoint>/metrics`` at the checked address with a timeout (5 s), no
redirects, at most ``REGISTRY_SCRAPE_MAX_BYTES`` read, retried 3 times with exponential backoff and
jitter (tenacity). Answers are never logged, only why they were refused. A run that still fails is logged, counted in
``failed_health_checks_total{tag}`` and counts toward ``scrape_failures_before_error``; a success
resets the count and brings an instance that was in ``error`` for failed scrapes back. The text is
parsed with ``prometheus_client.parser``; rates are derived against the previous scrape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
import httpx
import structlog
from prometheus_client.parser import text_string_to_metric_families
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from registry.config import RegistrySettings
from registry.metrics import RegistryMetrics
from registry.models import WorkerState
from registry.scrape_policy import ScrapePolicy, ScrapeRefused, ScrapeTarget
from registry.service import WorkerRegistryService
from registry.snapshot import Member

__all__ = ["ScrapeError", "WorkerHealthCheckJob", "derive", "parse_metrics"]

log = structlog.get_logger(__name__)

#: sample name -> field of the parsed scrape (values summed over all label sets)
_SUMMED = {
    "celery_task_succeeded_total": "succeeded",
    "celery_task_failed_total": "failed",
    "celery_task_runtime_seconds_sum": "runtime_sum",
    "celery_task_runtime_seconds_count": "runtime_count",
    "celery_worker_tasks_active": "active",
    "process_cpu_seconds_total": "cpu_seconds",
    "process_resident_memory_bytes": "memory_bytes",
}


class ScrapeError(Exception):
    """The endpoint answered, but not with a usable Prometheus text document."""


def parse_metrics(text: str) -> dict[str, float]:
    """Sum the samples we use from a Prometheus text exposition (raises ``ScrapeError`` if unparsable)."""
    out: dict[str, float] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                field = _SUMMED.get(sample.name)
                if field is not None:
                    out[field] = out.get(field, 0.0) + float(sample.value)
    except (ValueError, TypeError, IndexError) as exc:  # the parser's message quotes the answer: not repeated
        raise ScrapeError(f"not Prometheus text ({type(exc).__name__})") from exc
    return out


def _delta(new: float | None, old: float | None) -> float | None:
    if new is None:
        return None
    if old is None or new < old:  # first sample, or the counter reset (restart): count from zero
        return new
    return new - old


def derive(
    raw: Mapping[str, float], previous: Mapping[str, Any], heartbeat: Mapping[str, Any], now: float
) -> dict[str, Any]:
    """The stored scrape record: raw counters plus rates over the window since ``previous``."""
    cpu = raw.get("cpu_seconds", heartbeat.get("cpu_seconds"))
    memory = raw.get("memory_bytes", heartbeat.get("memory_bytes"))
    sample: dict[str, Any] = {
        "ok": True,
        "at": now,
        "succeeded": raw.get("succeeded"),
        "failed": raw.get("failed"),
        "runtime_sum": raw.get("runtime_sum"),
        "runtime_count": raw.get("runtime_count"),
        "cpu_seconds": cpu,
        "memory_bytes": None if memory is None else int(memory),
    }
    prev_at = previous.get("at")
    window = None if prev_at is None else now - float(prev_at)
    if window is not None and window <= 0:
        window = None
    succeeded = _delta(raw.get("succeeded"), None if window is None else previous.get("succeeded"))
    failed = _delta(raw.get("failed"), None if window is None else previous.get("failed"))
    finished = None if succeeded is None and failed is None else (succeeded or 0) + (failed or 0)
    if finished:
        sample["failure_rate"] = round((failed or 0) / finished, 6)
    elif finished == 0 and window is not None:
        sample["failure_rate"] = 0.0
    if window is not None and finished is not None:
        sample["task_rate"] = round(finished / window, 6)
    runtime_sum = _delta(raw.get("runtime_sum"), None if window is None else previous.get("runtime_sum"))
    runtime_count = _delta(raw.get("runtime_count"), None if window is None else previous.get("runtime_count"))
    if runtime_sum is not None and runtime_count:
        sample["task_duration_seconds"] = round(runtime_sum / runtime_count, 6)
    elif previous.get("task_duration_seconds") is not None:
        sample["task_duration_seconds"] = previous["task_duration_seconds"]
    cpu_delta = _delta(cpu, None if window is None else previous.get("cpu_seconds"))
    if window is not None and cpu_delta is not None:
        sample["cpu_usage"] = round(cpu_delta / window, 6)
    return sample


class WorkerHealthCheckJob:
    """One run scrapes every instance that is not stopped, concurrently (bounded)."""

    name = "healthcheck"

    def __init__(
        self,
        service: WorkerRegistryService,
        metrics: RegistryMetrics,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.service = service
        self.metrics = metrics
        self.settings: RegistrySettings = service.settings
        self.policy = ScrapePolicy(service.settings)
        self._transport = transport

    async def run_once(self) -> dict[str, int]:
        snap = await self.service.snapshot()
        targets = [
            m
            for m in snap.members()
            if m.in_redis and m.status != WorkerState.STOPPED and m.record.get("health_endpoint")
        ]
        counts = {"ok": 0, "failed": 0}
        limiter = anyio.CapacityLimiter(self.settings.healthcheck_concurrency)
        async with httpx.AsyncClient(
            timeout=self.settings.healthcheck_timeout, transport=self._transport, follow_redirects=False
        ) as client:
            async with anyio.create_task_group() as group:
                for member in targets:
                    group.start_soon(self._check, client, member, limiter, counts)
        return counts

    async def _check(
        self, client: httpx.AsyncClient, m: Member, limiter: anyio.CapacityLimiter, counts: dict[str, int]
    ) -> None:
        url = str(m.record["health_endpoint"]).rstrip("/") + "/metrics"
        async with limiter:
            try:
                target = await self.policy.target(str(m.record["health_endpoint"]), m.record.get("peer"))
                raw = parse_metrics(await self._scrape(client, target))
            except (httpx.HTTPError, ScrapeError, ScrapeRefused) as exc:
                counts["failed"] += 1
                self.metrics.failed_health_checks.labels(m.tag).inc()
                refused = isinstance(exc, ScrapeRefused)
                log.warning(
                    "health check refused" if refused else "health check failed",
                    tag=m.tag,
                    instance_id=m.instance_id,
                    url=url,
                    attempts=0 if refused else self.settings.healthcheck_retries + 1,
                    error=f"{type(exc).__name__}: {exc}",
                )
                await self._record(m, ok=False, sample=None)
                return
        counts["ok"] += 1
        await self._record(m, ok=True, sample=derive(raw, m.scrape, m.metrics, self.service.clock()))

    async def _scrape(self, client: httpx.AsyncClient, target: ScrapeTarget) -> str:
        backoff = self.settings.healthcheck_backoff
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.healthcheck_retries + 1),
            wait=wait_exponential_jitter(initial=backoff, max=max(backoff * 8, backoff), jitter=backoff),
            retry=retry_if_exception_type((httpx.HTTPError, ScrapeError)),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._fetch(client, target)
        raise ScrapeError("no attempt made")  # pragma: no cover - tenacity always attempts once

    async def _fetch(self, client: httpx.AsyncClient, target: ScrapeTarget) -> str:
        """One GET (no redirects): status, content type and size checked before the text is decoded."""
        cap = self.settings.scrape_max_bytes
        extensions = {"sni_hostname": target.sni_hostname} if target.url.scheme == "https" else None
        headers = {"Host": target.host_header, "Accept-Encoding": "identity"}  # no decompression bombs
        request = client.build_request("GET", target.url, headers=headers, extensions=extensions)
        response = await client.send(request, stream=True)
        try:
            response.raise_for_status()
            content_type = response.headers.get("content-type", "text/plain")
            if "text/plain" not in content_type and "openmetrics" not in content_type:
                raise ScrapeError(f"unexpected content type {content_type[:80]!r}")
            if response.headers.get("content-encoding", "identity") != "identity":
                raise ScrapeError("compressed answer refused (asked for identity)")
            body = bytearray()
            async for chunk in response.aiter_raw():
                body += chunk
                if len(body) > cap:
                    raise ScrapeError(f"answer larger than {cap} bytes")
        finally:
            await response.aclose()
        return bytes(body).decode(response.encoding or "utf-8", errors="replace")

    async def _record(self, m: Member, *, ok: bool, sample: dict[str, Any] | None) -> None:
        now = self.service.clock()
        applied = await self.service.store.record_scrape(
            m.tag,
            m.instance_id,
            ok=ok,
            sample=sample,
            now=now,
            failures_before_error=self.settings.scrape_failures_before_error,
            fresh_within=self.settings.error_after,
        )
        if applied is not None and applied.changed:
            reason = "scrape_failed" if applied.status == WorkerState.ERROR else "scrape_recovered"
            await self.service.announce_status_change(
                m.tag, m.instance_id, applied.status, previous=applied.previous, reason=reason, now=now
            )
