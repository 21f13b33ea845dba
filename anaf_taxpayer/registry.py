"""One ``POST /api/PlatitorTvaRest/v9/tva`` call for a batch, parsed (with or without the ``cod`` wrapper).

The client is ``AnafRuntime.registry_client()``: its transport already turned connection failures, 429/5xx and
ANAF's refusals into the ANAF tree (``anaf_core.http.ANAF_ERRORS``), so only a good answer reaches the parser.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from anaf_core.errors import AnafProtocolError
from anaf_core.http import error_for_message
from anaf_taxpayer.batcher import OPERATION
from shared.integration import OPERATION as OPERATION_EXTENSION
from shared.integration import SLOT_RESERVED

__all__ = ["RegistryLookup"]


class RegistryLookup:
    """Callable for the batcher: ``[(date, cui)] -> {"date|cui": ("found", raw) | ("notFound", None)}``.

    The caller has already taken the registry slot (the batcher waits for it before collecting the batch),
    so the request carries ``SLOT_RESERVED`` and the limited transport does not wait again.
    """

    def __init__(self, client: httpx.Client, url: str):
        self._client = client
        self._url = url

    def __call__(self, items: Sequence[tuple[str, str]]) -> dict[str, tuple[str, dict[str, Any] | None]]:
        body = [{"cui": int(cui), "data": on} for on, cui in items]
        response = self._client.post(
            self._url, json=body, extensions={SLOT_RESERVED: True, OPERATION_EXTENSION: OPERATION}
        )
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise AnafProtocolError(f"{OPERATION}: not JSON", operation=OPERATION, body=response.content) from exc
        if not isinstance(data, dict):
            raise AnafProtocolError(f"{OPERATION}: unexpected answer", operation=OPERATION, body=response.content)
        if "cod" in data and data.get("cod") not in (200, "200"):
            message = str(data.get("message") or data.get("cod"))
            raise error_for_message(
                message, operation=OPERATION, status_code=response.status_code, body=response.content
            )
        found, not_found = data.get("found") or [], data.get("notFound") or []
        if not isinstance(found, list) or not isinstance(not_found, list):
            raise AnafProtocolError(f"{OPERATION}: found/notFound missing", operation=OPERATION, body=response.content)
        out: dict[str, tuple[str, dict[str, Any] | None]] = {}
        wanted = {(cui, on) for on, cui in items}
        for item in found:
            general = item.get("date_generale") or {} if isinstance(item, dict) else {}
            cui, on = str(general.get("cui", "")), str(general.get("data", ""))
            if (cui, on) in wanted:
                out[f"{on}|{cui}"] = ("found", item)
            else:  # answered for another date format: match on the CUI alone
                for w_cui, w_on in wanted:
                    if w_cui == cui:
                        out[f"{w_on}|{cui}"] = ("found", item)
        missing = {str(c) for c in not_found}
        for on, cui in items:
            key = f"{on}|{cui}"
            if key not in out and cui in missing:
                out[key] = ("notFound", None)
        return out
