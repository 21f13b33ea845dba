"""``EfacturaClient``: the e-Factura REST calls over an ``httpx.Client`` from ``anaf_core.build_client``.

Failures of the exchange itself (connection, 4xx/5xx, WAF page, rate limits) already leave the transport as the
ANAF tree (``anaf_core.ANAF_ERRORS``); this module names each call (``OPERATION``) and parses the good answers.
Answers are untrusted XML/JSON: no DTD or entity declarations, bounded size, elements read by their local
name only (comments, processing instructions and entity references are skipped), and anything unreadable is
an ``AnafProtocolError``. ANAF's refusals written into a 200 body (``ExecutionStatus=1``, ``<Errors>``,
``{"eroare": ...}``) become ``AnafResponseError`` or its more precise siblings (``error_for_message``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from lxml import etree

from anaf_core.errors import AnafProtocolError, AnafTransportError
from anaf_core.http import error_for_message
from shared.integration import OPERATION
from shared.xml import safe_parser

__all__ = [
    "MAX_ANSWER_BYTES",
    "EfacturaClient",
    "MessagePage",
    "StareAnswer",
    "UploadAnswer",
    "duplicate_of",
    "parse_error_file",
]

NO_MESSAGES = re.compile(r"Nu exista mesaje", re.IGNORECASE)
#: XML answers and error files are a few KB; anything past this is not an answer we parse
MAX_ANSWER_BYTES = 10 * 1024 * 1024
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


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


def parse_xml(content: bytes, operation: str) -> etree._Element:
    """An ANAF XML answer, parsed safely; ``AnafProtocolError`` for anything that is not plain XML."""

    def refuse(why: str) -> AnafProtocolError:
        return AnafProtocolError(f"{operation}: {why}", operation=operation, body=content[:2048])

    if len(content) > MAX_ANSWER_BYTES:
        raise refuse(f"answer of {len(content)} bytes is larger than {MAX_ANSWER_BYTES}")
    if _DECLARATION.search(content):
        raise refuse("answer declares a DTD or entities")
    try:
        root = etree.fromstring(content, parser=safe_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise refuse(f"answer is not XML ({exc})") from None
    if not isinstance(root.tag, str):
        raise refuse("answer has no root element")
    return root


def _attribute_of(root: etree._Element, localname: str, attribute: str) -> list[str]:
    """``attribute`` of every element named ``localname`` (any namespace); other node kinds are skipped."""
    found = []
    for element in root.iter(etree.Element):
        tag = element.tag
        if isinstance(tag, str) and tag.rpartition("}")[2] == localname:
            found.append(str(element.get(attribute, "")))
    return found


def parse_error_file(document: bytes) -> list[str]:
    """``errorMessage`` texts of a ``nok`` error file (ns ``mesajEroriFactuta``) from the download ZIP."""
    return _attribute_of(parse_xml(document, "efactura.descarcare"), "Error", "errorMessage")


class EfacturaClient:
    def __init__(self, http: httpx.Client):
        self._http = http

    def upload(self, xml: bytes, *, cif: str, standard: str, b2c: bool, flags: dict[str, bool]) -> UploadAnswer:
        """``POST /upload`` (or ``/uploadb2c``); ``AnafResponseError`` when ANAF refuses the file."""
        op = "efactura.uploadb2c" if b2c else "efactura.upload"
        params = {"standard": standard, "cif": cif, **{k: "DA" for k, v in flags.items() if v}}
        response = self._http.post(
            "/uploadb2c" if b2c else "/upload",
            params=params,
            content=xml,
            headers={"Content-Type": "text/plain"},
            extensions={OPERATION: op},
        )
        root = parse_xml(response.content, op)
        if root.get("ExecutionStatus") == "0" and (index := root.get("index_incarcare", "")).isdigit():
            return UploadAnswer(int(index), root.get("dateResponse"))
        messages = _attribute_of(root, "Errors", "errorMessage") or ["upload refused without a message"]
        error = error_for_message(messages[0], operation=op, body=response.content)
        error.messages = messages
        if isinstance(error, AnafTransportError):
            error.request_sent = False  # ExecutionStatus=1: ANAF answered and assigned no index, nothing was filed
        raise error

    def stare(self, index: int) -> StareAnswer:
        op = "efactura.stareMesaj"
        response = self._http.get("/stareMesaj", params={"id_incarcare": str(index)}, extensions={OPERATION: op})
        root = parse_xml(response.content, op)
        state = root.get("stare")
        if state is None:
            messages = _attribute_of(root, "Errors", "errorMessage") or ["stareMesaj answered without a state"]
            raise error_for_message(messages[0], operation=op, body=response.content)
        raw = root.get("id_descarcare")
        return StareAnswer(state, int(raw) if raw and raw.isdigit() else None)

    @staticmethod
    def _json(response: httpx.Response, op: str) -> dict[str, Any]:
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise AnafProtocolError(f"{op}: answer is not JSON", operation=op, body=response.content[:2048]) from exc
        if not isinstance(data, dict):
            raise AnafProtocolError(f"{op}: unexpected answer", operation=op, body=response.content[:2048])
        return data

    def _messages(self, response: httpx.Response, op: str) -> dict[str, Any] | None:
        """The JSON of a message list; ``None`` when ANAF says there are none."""
        data = self._json(response, op)
        if "eroare" in data:
            if NO_MESSAGES.search(str(data["eroare"])):
                return None
            raise error_for_message(str(data["eroare"]), operation=op, body=response.content)
        return data

    def messages(self, cif: str, days: int, filtru: str | None = None) -> list[dict[str, Any]]:
        """``listaMesajeFactura`` (at most 500, newest days); ``[]`` when there are none."""
        op = "efactura.listaMesajeFactura"
        params = {"zile": str(days), "cif": cif, **({"filtru": filtru} if filtru else {})}
        data = self._messages(self._http.get("/listaMesajeFactura", params=params, extensions={OPERATION: op}), op)
        return _message_list(data, op)

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
        response = self._http.get("/listaMesajePaginatieFactura", params=params, extensions={OPERATION: op})
        data = self._messages(response, op)
        if data is None:
            return MessagePage()
        try:
            pages = int(data.get("numar_total_pagini") or 1)
        except (TypeError, ValueError):
            raise AnafProtocolError(f"{op}: unreadable page count", operation=op) from None
        return MessagePage(_message_list(data, op), pages)

    def download(self, download_id: int) -> bytes:
        """``descarcare`` -> the signed ZIP bytes exactly as served."""
        op = "efactura.descarcare"
        response = self._http.get("/descarcare", params={"id": str(download_id)}, extensions={OPERATION: op})
        body = response.content
        if body[:2] == b"PK":
            return body
        data = self._json(response, op)
        raise error_for_message(str(data.get("eroare") or "download refused"), operation=op, body=body)


def _message_list(data: dict[str, Any] | None, op: str) -> list[dict[str, Any]]:
    if data is None:
        return []
    messages = data.get("mesaje") or []
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise AnafProtocolError(f"{op}: 'mesaje' is not a list of messages", operation=op)
    return messages


def duplicate_of(messages: list[str]) -> int | None:
    """The earlier index from ``Factura a mai fost transmisa anterior cu index=N``, if that is the reason."""
    for message in messages:
        found = re.search(r"transmisa anterior cu index\s*=\s*(\d+)", message)
        if found:
            return int(found.group(1))
    return None
