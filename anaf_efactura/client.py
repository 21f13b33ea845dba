"""``EfacturaClient``: the e-Factura REST calls over an injected ``httpx.Client`` (ANAF.md §2.2).

Every answer is parsed here (XML with a safe parser, JSON ``eroare`` bodies) and every failure leaves as
an ``AnafError``: ``ExecutionStatus=1`` and ``<Errors errorMessage>`` become ``AnafResponseError`` (or the
daily-limit / rights / technical subclasses by wording), transport problems ``AnafTransportError``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from lxml import etree

from anaf_core.errors import AnafProtocolError, AnafTransportError
from anaf_core.http import check_response, error_for_message, translate_errors
from shared.xml import safe_parser

__all__ = ["EfacturaClient", "MessagePage", "StareAnswer", "UploadAnswer", "duplicate_of", "parse_error_file"]

NO_MESSAGES = re.compile(r"Nu exista mesaje", re.IGNORECASE)
_PARSER = safe_parser()


@dataclass(frozen=True)
class UploadAnswer:
    index: int
    date_response: str | None


@dataclass(frozen=True)
class StareAnswer:
    state: str  # "ok" | "nok" | "in prelucrare" | "XML cu erori nepreluat de sistem"
    download_id: int | None


@dataclass
class MessagePage:
    messages: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 1


def _xml(response: httpx.Response, operation: str) -> etree._Element:
    try:
        return etree.fromstring(response.content, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise AnafProtocolError(f"{operation}: answer is not XML", operation=operation, body=response.content) from exc


def _errors(root: etree._Element) -> list[str]:
    return [e.get("errorMessage", "") for e in root.iter() if etree.QName(e).localname == "Errors"]


def parse_error_file(document: bytes) -> list[str]:
    """``errorMessage`` texts of a ``nok`` error file (ns ``mesajEroriFactuta``) from the download ZIP."""
    try:
        root = etree.fromstring(document, parser=_PARSER)
    except etree.XMLSyntaxError:
        return []
    return [e.get("errorMessage", "") for e in root.iter() if etree.QName(e).localname == "Error"]


class EfacturaClient:
    def __init__(self, http: httpx.Client):
        self._http = http

    def upload(self, xml: bytes, *, cif: str, standard: str, b2c: bool, flags: dict[str, bool]) -> UploadAnswer:
        """``POST /upload`` (or ``/uploadb2c``); ``AnafResponseError`` when ANAF refuses the file."""
        op = "efactura.uploadb2c" if b2c else "efactura.upload"
        params = {"standard": standard, "cif": cif, **{k: "DA" for k, v in flags.items() if v}}
        with translate_errors(op):
            response = self._http.post(
                "/uploadb2c" if b2c else "/upload", params=params, content=xml, headers={"Content-Type": "text/plain"}
            )
        check_response(response, op)
        root = _xml(response, op)
        if root.get("ExecutionStatus") == "0" and (index := root.get("index_incarcare", "")).isdigit():
            return UploadAnswer(int(index), root.get("dateResponse"))
        messages = _errors(root) or ["upload refused without a message"]
        error = error_for_message(messages[0], operation=op, body=response.content)
        error.messages = messages
        if isinstance(error, AnafTransportError):
            error.request_sent = False  # ExecutionStatus=1: ANAF answered and assigned no index, nothing was filed
        raise error

    def stare(self, index: int) -> StareAnswer:
        op = "efactura.stareMesaj"
        with translate_errors(op):
            response = self._http.get("/stareMesaj", params={"id_incarcare": str(index)})
        check_response(response, op)
        root = _xml(response, op)
        state = root.get("stare")
        if state is None:
            messages = _errors(root) or ["stareMesaj answered without a state"]
            raise error_for_message(messages[0], operation=op, body=response.content)
        raw = root.get("id_descarcare")
        return StareAnswer(state, int(raw) if raw and raw.isdigit() else None)

    def _json(self, response: httpx.Response, op: str) -> dict[str, Any]:
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise AnafProtocolError(f"{op}: answer is not JSON", operation=op, body=response.content) from exc
        if not isinstance(data, dict):
            raise AnafProtocolError(f"{op}: unexpected answer", operation=op, body=response.content)
        return data

    def messages(self, cif: str, days: int, filtru: str | None = None) -> list[dict[str, Any]]:
        """``listaMesajeFactura`` (at most 500, newest days); ``[]`` when there are none."""
        op = "efactura.listaMesajeFactura"
        params = {"zile": str(days), "cif": cif, **({"filtru": filtru} if filtru else {})}
        with translate_errors(op):
            response = self._http.get("/listaMesajeFactura", params=params)
        return self._list(check_response(response, op), op)

    def messages_page(self, cif: str, start_ms: int, end_ms: int, page: int, filtru: str | None = None) -> MessagePage:
        """``listaMesajePaginatieFactura`` (500 per page)."""
        op = "efactura.listaMesajePaginatieFactura"
        params = {
            "startTime": str(start_ms),
            "endTime": str(end_ms),
            "cif": cif,
            "pagina": str(page),
            **({"filtru": filtru} if filtru else {}),
        }
        with translate_errors(op):
            response = self._http.get("/listaMesajePaginatieFactura", params=params)
        data = self._json(check_response(response, op), op)
        if "eroare" in data:
            if NO_MESSAGES.search(str(data["eroare"])):
                return MessagePage()
            raise error_for_message(str(data["eroare"]), operation=op, body=response.content)
        return MessagePage(list(data.get("mesaje") or []), int(data.get("numar_total_pagini") or 1))

    def _list(self, response: httpx.Response, op: str) -> list[dict[str, Any]]:
        data = self._json(response, op)
        if "eroare" in data:
            if NO_MESSAGES.search(str(data["eroare"])):
                return []
            raise error_for_message(str(data["eroare"]), operation=op, body=response.content)
        return list(data.get("mesaje") or [])

    def download(self, download_id: int) -> bytes:
        """``descarcare`` -> the signed ZIP bytes exactly as served."""
        op = "efactura.descarcare"
        with translate_errors(op):
            response = self._http.get("/descarcare", params={"id": str(download_id)})
        check_response(response, op)
        body = response.content
        if body[:2] == b"PK":
            return body
        data = self._json(response, op)
        message = str(data.get("eroare") or "download refused")
        raise error_for_message(message, operation=op, body=body)


def duplicate_of(messages: list[str]) -> int | None:
    """The earlier index from ``Factura a mai fost transmisa anterior cu index=N``, if that is the reason."""
    for message in messages:
        found = re.search(r"transmisa anterior cu index\s*=\s*(\d+)", message)
        if found:
            return int(found.group(1))
    return None
