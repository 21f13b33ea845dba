"""REGES Online API client: Keycloak password-grant tokens (refresh on 401), submit, result queue.

Every call is ``POST`` (``/api/Salariat``, ``/api/Contract``, ``/api/Status/ReadBatch``...), the body is
XML or JSON of the same schema. ``Read*`` peeks at the result queue, ``Commit*`` advances the cursor of
``consumerId``; an empty queue answers HTTP 204 (ANAF.md §5).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx
from lxml import etree

from reges.errors import REGES_ERRORS, RegesAuthError, RegesProtocolError, RegesRejectedError, RegesTransportError
from reges.message import NS, xml_to_json
from reges.models import ENDPOINTS, PROPOSAL_QUEUES
from shared.xml import UntrustedXml, parse_untrusted

__all__ = ["KeycloakTokens", "RegesClient", "RegesTokenAuth"]

_KEYCLOAK_OP = "reges.keycloak"
#: REGES answers are receipts and result batches of a few kilobytes each
MAX_ANSWER_BYTES = 20 * 1024 * 1024
#: httpx errors raised before any byte of the request left
_NOT_SENT: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class _Token:
    access: str
    expires_at: float
    refresh: str | None
    refresh_expires_at: float


class KeycloakTokens:
    """Password-grant tokens from ``{sso}/realms/{realm}/protocol/openid-connect/token``, cached until expiry."""

    def __init__(
        self,
        http: httpx.Client,
        token_url: str,
        *,
        client_id: str,
        client_secret: str | None,
        username: str,
        password: str,
        margin_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ):
        self.http = http
        self.token_url = token_url
        self.form = {"client_id": client_id, "username": username, "password": password}
        if client_secret:
            self.form["client_secret"] = client_secret
        self.margin_s = margin_s
        self.clock = clock
        self._token: _Token | None = None
        self._lock = threading.Lock()
        self.grants: list[str] = []  # grant types used, for diagnostics and tests

    def _call(self, form: dict[str, str]) -> _Token:
        self.grants.append(form["grant_type"])
        try:
            r = self.http.post(self.token_url, data=form)
        except httpx.HTTPError as exc:
            raise RegesTransportError(f"Keycloak unreachable: {exc!r}", operation=_KEYCLOAK_OP) from exc
        facts: dict[str, Any] = {"operation": _KEYCLOAK_OP, "status_code": r.status_code, "body": r.content}
        if r.status_code >= 500:
            raise RegesTransportError(f"Keycloak answered HTTP {r.status_code}", **facts)
        try:
            data = r.json()
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise RegesProtocolError("Keycloak answer is not JSON", **facts) from None
        if not isinstance(data, dict):
            raise RegesProtocolError("Keycloak answer is not a JSON object", **facts)
        if r.status_code != 200 or "access_token" not in data:
            raise RegesAuthError(
                f"Keycloak refused the REGES API credentials: {data.get('error')}: {data.get('error_description', '')}",
                **facts,
            )
        now = self.clock()
        return _Token(
            data["access_token"],
            now + float(data.get("expires_in", 300)),
            data.get("refresh_token"),
            now + float(data.get("refresh_expires_in", 0) or 0),
        )

    def token(self, *, force: bool = False, stale: str | None = None) -> str:
        with self._lock:
            t = self._token
            now = self.clock()
            if t is not None and stale is not None and t.access != stale:
                return t.access  # another thread already replaced the token that failed
            if t is not None and not force and t.expires_at - self.margin_s > now:
                return t.access
            if t is not None and t.refresh and t.refresh_expires_at - self.margin_s > now:
                try:
                    self._token = self._call({**self.form, "grant_type": "refresh_token", "refresh_token": t.refresh})
                    return self._token.access
                except RegesAuthError:
                    pass  # refresh token revoked: fall back to the password grant
            self._token = self._call({**self.form, "grant_type": "password"})
            return self._token.access


class RegesTokenAuth(httpx.Auth):
    """Bearer auth that fetches a new token and replays the request once on 401."""

    def __init__(self, tokens: KeycloakTokens):
        self.tokens = tokens

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.tokens.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.tokens.token(force=True, stale=token)}"
            yield request


def _parse_body(r: httpx.Response, op: str) -> Any:
    """The answer as JSON data with lower-camel keys (an XML answer through its JSON form); anything unreadable,
    nested too deeply or over ``MAX_ANSWER_BYTES`` is a protocol error."""
    ctype = r.headers.get("content-type", "")
    try:
        if "xml" in ctype:
            root = parse_untrusted(r.content, max_bytes=MAX_ANSWER_BYTES, what="REGES answer")
            etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)  # their text stays where it was
            if root.tag == f"{{{NS}}}ArrayOfMessageResult" or etree.QName(root).localname.startswith("ArrayOf"):
                return _lower_keys([xml_to_json(c) for c in root if isinstance(c.tag, str)])
            return _lower_keys(xml_to_json(root))
        if len(r.content) > MAX_ANSWER_BYTES:
            raise ValueError(f"{len(r.content)} bytes")
        return _lower_keys(r.json())
    except (UntrustedXml, ValueError, TypeError, AssertionError, RecursionError, UnicodeDecodeError) as exc:
        reason = exc.message if isinstance(exc, UntrustedXml) else type(exc).__name__
        raise RegesProtocolError(
            f"{op}: unparseable answer ({reason})", operation=op, status_code=r.status_code, body=r.content
        ) from None


def _lower_keys(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {(k[:1].lower() + k[1:] if k != "$type" else k): _lower_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_lower_keys(v) for v in obj]
    return obj


class RegesClient:
    """One employer register's API session over an ``httpx.Client`` (base URL + ``RegesTokenAuth``)."""

    def __init__(self, http: httpx.Client, *, consumer_id: str):
        self.http = http
        self.consumer_id = consumer_id

    def _post(self, op: str, path: str, **kw: Any) -> httpx.Response:
        """The answer of a good call; every failure is the REGES tree, mapped by ``REGES_ERRORS``."""
        try:
            response = self.http.post(path, **kw)
        except _NOT_SENT as exc:
            raise REGES_ERRORS.connection(op, exc, sent=False) from exc
        except httpx.HTTPError as exc:
            raise REGES_ERRORS.connection(op, exc, sent=True) from exc
        if (error := REGES_ERRORS.for_response(response, op)) is not None:
            raise error
        return response

    def submit(self, kind: str, body: bytes, *, fmt: str) -> str:
        """``POST /api/{Salariat|Contract|Detasare/Propunere|Mutare/Propunere}`` by message ``kind`` (``xsi:type``):
        the receipt ``ResponseId`` (the result comes through the queue)."""
        op = f"reges.{kind}"
        ctype = "application/xml" if fmt == "xml" else "application/json"
        r = self._post(op, ENDPOINTS[kind][0], content=body, headers={"Content-Type": ctype, "Accept": ctype})
        data = _parse_body(r, op)
        response_id = data.get("responseId") if isinstance(data, dict) else None
        if not response_id or set(str(response_id)) <= {"0", "-"}:
            raise RegesRejectedError(
                f"{op}: REGES gave no usable ResponseId", operation=op, status_code=r.status_code, body=r.content
            )
        return str(response_id)

    def read_batch(self, count: int) -> list[dict[str, Any]]:
        """Peek at up to ``count`` results for our consumer (``[]`` on 204)."""
        r = self._post(
            "reges.ReadBatch",
            "/api/Status/ReadBatch",
            params={"consumerId": self.consumer_id},
            json={"messages": count},
            headers={"Accept": "application/json"},
        )
        if r.status_code == 204 or not r.content:
            return []
        data = _parse_body(r, "reges.ReadBatch")
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            raise RegesProtocolError(
                "reges.ReadBatch: expected a list of results",
                operation="reges.ReadBatch",
                status_code=r.status_code,
                body=r.content,
            )
        return data

    def commit_batch(self, count: int) -> None:
        """Advance our consumer's cursor by exactly ``count`` results."""
        self._post(
            "reges.CommitReadBatch",
            "/api/Status/CommitReadBatch",
            params={"consumerId": self.consumer_id},
            json={"messages": count},
        )

    def read_proposals(self, kind: str, count: int) -> list[dict[str, Any]]:
        """Peek at up to ``count`` incoming proposals (``/api/{Detasare|Mutare}/Propuneri/ReadBatch``; ``[]`` on 204)."""
        op = f"reges.{kind}.Propuneri.ReadBatch"
        r = self._post(
            op,
            f"{PROPOSAL_QUEUES[kind]}/ReadBatch",
            params={"consumerId": self.consumer_id},
            json={"messages": count},
            headers={"Accept": "application/json"},
        )
        if r.status_code == 204 or not r.content:
            return []
        data = _parse_body(r, op)
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            raise RegesProtocolError(
                f"{op}: expected a list of proposals", operation=op, status_code=r.status_code, body=r.content
            )
        return data

    def commit_proposals(self, kind: str, count: int) -> None:
        """Advance our consumer's cursor on the incoming-proposal queue of ``kind`` by exactly ``count``."""
        self._post(
            f"reges.{kind}.Propuneri.CommitReadBatch",
            f"{PROPOSAL_QUEUES[kind]}/CommitReadBatch",
            params={"consumerId": self.consumer_id},
            json={"messages": count},
        )
