"""``TaxpayerService.validate``: cache first, then cluster-wide batches, retries, and a stale fallback.

``build_service(settings)`` is the worker's per-process service (``anaf_taxpayer.app`` declares it): it owns
an ``AnafRuntime`` (Redis, the registry limiter, the registry client) built from ``ANAF_*``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import structlog

from anaf_core import RO_TZ, AnafResponseError, AnafRuntime, AnafTransportError, load_anaf_settings
from anaf_taxpayer.batcher import OPERATION, Answer, Batcher
from anaf_taxpayer.cache import CachedAnswer, RegistryCache
from anaf_taxpayer.config import TaxpayerSettings
from anaf_taxpayer.models import TaxpayerRecord, TaxpayerRequest, TaxpayerResult
from anaf_taxpayer.normalize import company_info
from anaf_taxpayer.registry import RegistryLookup

__all__ = ["TaxpayerService", "build_service"]

log = structlog.get_logger(__name__)


def _ts(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, dt.UTC)


class TaxpayerService:
    def __init__(
        self,
        runtime: AnafRuntime,
        settings: TaxpayerSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.runtime = runtime
        ns = runtime.settings.redis_namespace
        self.cache = RegistryCache(
            runtime.redis_client,
            namespace=ns,
            fresh_ttl_s=settings.cache_ttl_s,
            stale_ttl_s=settings.stale_ttl_s,
        )
        self.batcher = Batcher(
            runtime.redis_client,
            runtime.registry_limiter,
            RegistryLookup(runtime.registry_client(), runtime.settings.registry_url),
            namespace=ns,
            batch_size=runtime.settings.registry_batch_size,
            result_ttl_s=settings.result_ttl_s,
            flush_lock_s=settings.flush_lock_s,
            poll_s=settings.poll_s,
        )
        self._sleep = sleep

    def close(self) -> None:
        self.runtime.close()

    def validate(self, request: TaxpayerRequest) -> TaxpayerResult:
        """Registry data for every CUI of the request (order kept, duplicates collapsed)."""
        on = (request.date or dt.datetime.now(RO_TZ).date()).isoformat()
        cuis = request.all_cuis()
        keys = {cui: f"{on}|{cui}" for cui in cuis}
        records: dict[str, TaxpayerRecord] = {}
        if request.use_cache:
            for hit in self.cache.fresh(list(keys.values())).values():
                records[hit.cui] = self._record(hit.cui, on, "found", hit.raw, "cache", hit.checked_at)
        todo = [c for c in cuis if c not in records]
        deadline = time.monotonic() + self.settings.wait_timeout_s
        shared_since = 0.0 if request.use_cache else time.time()
        last_error: Answer | None = None
        for attempt in range(self.settings.attempts):
            if not todo:
                break
            remaining = max(1.0, deadline - time.monotonic())
            answers = self.batcher.resolve([keys[c] for c in todo], timeout=remaining, shared_since=shared_since)
            good: list[CachedAnswer] = []
            failed: list[str] = []
            for cui in todo:
                answer = answers[keys[cui]]
                if answer.status == "error":
                    if not answer.retryable:
                        raise AnafResponseError(
                            str((answer.error or {}).get("message", "ANAF refused the registry query")),
                            operation=OPERATION,
                        )
                    failed.append(cui)
                    last_error = answer
                    continue
                records[cui] = self._record(cui, on, answer.status, answer.raw, "anaf", answer.checked_at)
                if answer.status == "found" and answer.raw is not None:
                    good.append(CachedAnswer(cui, on, answer.raw, answer.checked_at))
            self.cache.put(good)
            todo = failed
            if todo and attempt + 1 < self.settings.attempts and time.monotonic() < deadline:
                self._sleep(self.settings.backoff_s * 2**attempt)
        if todo:
            self._fallback(todo, on, records, request.allow_stale, last_error)
        return TaxpayerResult.of([records[c] for c in cuis])

    def _fallback(
        self,
        todo: list[str],
        on: str,
        records: dict[str, TaxpayerRecord],
        allow_stale: bool,
        error: Answer | None,
    ) -> None:
        stale = self.cache.stale(todo) if allow_stale else {}
        missing = [c for c in todo if c not in stale]
        if missing:
            detail = (error.error or {}).get("message", "") if error else ""
            raise AnafTransportError(
                f"ANAF registry unavailable for {len(missing)} CUI(s), no stale answer to use: {detail}",
                operation=OPERATION,
                request_sent=False,
            )
        for cui in todo:
            hit = stale[cui]
            records[cui] = self._record(cui, hit.date, "found", hit.raw, "stale_cache", hit.checked_at, stale=True)
        log.warning("anaf registry down, answered from stale cache", cuis=len(todo))

    @staticmethod
    def _record(
        cui: str,
        on: str,
        status: str,
        raw: dict[str, object] | None,
        source: str,
        checked_at: float,
        *,
        stale: bool = False,
    ) -> TaxpayerRecord:
        found = status == "found" and raw is not None
        return TaxpayerRecord(
            cui=cui,
            found=found,
            date=dt.date.fromisoformat(on),
            source=source,
            stale=stale,
            checked_at=_ts(checked_at),
            company=company_info(raw) if found and raw is not None else None,
        )


def build_service(settings: TaxpayerSettings) -> TaxpayerService:
    """The worker's per-process service over its own ``AnafRuntime`` (closed by ``TaxpayerService.close``)."""
    return TaxpayerService(AnafRuntime.create(load_anaf_settings()), settings)
