"""Reconciliation of an interrupted upload: find our filing in ANAF's message list instead of sending again.

A row left in ``uploading`` means a POST whose answer never came back. An unknown ``FACTURA TRIMISA`` (or
``PRIMITA``) created after our intent whose signed document is byte-identical to ours is our filing. While
nothing turns up the delivery waits (``efactura_outcome_unknown``); after ``reconcile_after_s`` it gives up
and the caller sends again (ANAF's duplicate answer then names the earlier index).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from typing import Any

import structlog

from anaf_core import RO_TZ, DailyQuota, SignedZip
from anaf_efactura.client import EfacturaClient
from anaf_efactura.config import EfacturaSettings
from anaf_efactura.outbox import EfacturaRow
from shared.errors import TransientError

__all__ = ["Found", "Reconciler"]

log = structlog.get_logger(__name__)
#: (upload index, download id, the signed ZIP, its verified content)
Found = tuple[int, int, bytes, SignedZip]
Download = Callable[[int], tuple[bytes, SignedZip]]


def _ro_minutes(stamp: str) -> float | None:
    try:
        return dt.datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=RO_TZ).timestamp()
    except ValueError:
        return None


class Reconciler:
    def __init__(
        self,
        client: EfacturaClient,
        settings: EfacturaSettings,
        list_quota: DailyQuota,
        paged_quota: DailyQuota,
        *,
        clock: Callable[[], float] = time.time,
    ):
        self.client = client
        self.settings = settings
        self.list_quota = list_quota
        self.paged_quota = paged_quota
        self._clock = clock

    def find(self, row: EfacturaRow, xml: bytes, known: set[int], download: Download) -> Found | None:
        """Our filing of ``xml``; None means: upload again (nothing found in time); else waits (transient)."""
        intent = (row.intent_at or row.updated_at).timestamp()
        for message in self._messages_since(row.cif, intent - 300):
            if message.get("tip") not in ("FACTURA TRIMISA", "FACTURA PRIMITA"):
                continue
            index, download_id = str(message.get("id_solicitare", "")), str(message.get("id", ""))
            if not index.isdigit() or not download_id.isdigit() or int(index) in known:
                continue
            created = _ro_minutes(str(message.get("data_creare", "")))
            if created is not None and created < intent - 300:
                continue  # older than our attempt: someone else's filing
            archive, signed = download(int(download_id))
            if signed.document == xml:
                return int(index), int(download_id), archive, signed
        waited = self._clock() - intent
        if waited < self.settings.reconcile_after_s:
            raise TransientError(
                f"upload outcome unknown after {waited:.0f}s; waiting for it to show in ANAF's message list",
                retry_after=self.settings.reconcile_retry_s,
                code="efactura_outcome_unknown",
            )
        log.warning("efactura upload not found in the message list: sending again", outbox_id=row.id)
        return None

    def _messages_since(self, cif: str, since: float) -> list[dict[str, Any]]:
        days = min(60, max(1, math.ceil((self._clock() - since) / 86400) + 1))
        self.list_quota.consume(cif)
        messages = self.client.messages(cif, days)
        if len(messages) < 500:
            return messages
        start = int(since * 1000)
        end = int((self._clock() - self.settings.list_clock_margin_s) * 1000)
        out: list[dict[str, Any]] = []
        page, pages = 1, 1
        while page <= pages:
            self.paged_quota.consume(cif)
            result = self.client.messages_page(cif, start, end, page)
            out += result.messages
            pages = result.pages
            page += 1
        return out
