"""Fake REGES Online (Inspecția Muncii): Keycloak token endpoint, submit endpoints, the result queue (ANAF.md §5).

Served by the fake ANAF app (its own state as ``state.reges``, a ``RegesBook``). Keycloak: password and
refresh_token grants for realm ``API``, client ``reges-api``; access tokens expire (``token_ttl_s``) and
``revoke_all()`` makes every token answer 401. Submits validate XML against ``reges.xsd`` when the book
has a schema (400 with the XSD errors, as REGES does) and answer ``MessageResponse{Header, ResponseId}``;
the result (``MessageResult``) is queued at once. ``/api/Contract`` covers the suspension operations (the
contract must exist); ``/api/Detasare/Propunere`` and ``/api/Mutare/Propunere`` take secondment and move
(transfer) proposals for an existing contract, and the result's ``Ref`` is the new proposal's id. The proposal
lifecycle (reges.xsd, Postman): the receiving employer (the register whose CUI is ``CUIAngajatorDestinatie``)
reads it from ``/api/{Detasare|Mutare}/Propuneri/ReadBatch`` (cursor per register and ``consumerId``) and answers
once with ``Acceptare``/``RespingerePropunere*Contract`` (``Referinta`` = the proposal; an accept's result ``Ref``
is the new contract at the receiver, ``SecRef`` its employee); the proposing register may withdraw
(``RadierePropunere*Contract``) only while the proposal is ``Propus``. A register's CUI is the API user name
``api-<CUI>``. Result queue (one per register): ``ReadBatch`` peeks from the consumer's cursor,
``CommitReadBatch`` advances it by the given count, an empty read answers 204; each ``consumerId`` has an
independent cursor from the queue start.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, Response
from lxml import etree

router = APIRouter()
NS = "http://www.inspectiamuncii.ro/reges2025"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass
class RegesBook:
    client_id: str = "reges-api"
    client_secret: str = "fake-reges-secret"
    users: dict[str, str] = field(
        default_factory=lambda: {"api-18547290": "fake-reges-password", "api-14399840": "fake-reges-password-gazda"}
    )
    token_ttl_s: float = 300.0
    schema: Any = None  # an lxml XMLSchema of reges.xsd, set by tests
    access: dict[str, float] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # access token -> API user
    refresh: dict[str, float] = field(default_factory=dict)
    token_calls: list[str] = field(default_factory=list)
    unauthorized: int = 0
    submissions: list[dict[str, Any]] = field(default_factory=list)
    employees: set[str] = field(default_factory=set)
    contracts: set[str] = field(default_factory=set)
    # proposal id -> {operation, contract, kind, state (Propus|Acceptat|Respins|Radiat), source, target, item}
    proposals: dict[str, dict[str, Any]] = field(default_factory=dict)
    inbox: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # (kind, receiver CUI) -> items
    inbox_cursors: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (kind, CUI, consumerId) -> cursor
    queues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # register CUI -> its results
    cursors: dict[tuple[str, str], int] = field(default_factory=dict)  # (register CUI, consumerId) -> cursor

    def revoke_all(self) -> None:
        self.access.clear()


def book(anaf: Any) -> RegesBook:
    if not hasattr(anaf, "reges"):
        anaf.reges = RegesBook()
    return anaf.reges  # type: ignore[no-any-return]


@router.post("/realms/{realm}/protocol/openid-connect/token")
async def token(request: Request, realm: str) -> JSONResponse:
    anaf = request.app.state.anaf
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))  # x-www-form-urlencoded
    with anaf.lock:
        b = book(anaf)
        grant = form.get("grant_type", "")
        b.token_calls.append(grant)
        if realm != "API" or form.get("client_id") != b.client_id or form.get("client_secret") != b.client_secret:
            return JSONResponse(
                {"error": "unauthorized_client", "error_description": "Invalid client or Invalid client credentials"},
                401,
            )
        now = anaf.now()
        if grant == "password":
            if b.users.get(form.get("username", "")) != form.get("password"):
                return JSONResponse({"error": "invalid_grant", "error_description": "Invalid user credentials"}, 401)
        elif grant == "refresh_token":
            if b.refresh.get(form.get("refresh_token", ""), 0) <= now:
                return JSONResponse({"error": "invalid_grant", "error_description": "Token is not active"}, 400)
        else:
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        b.access[access] = now + b.token_ttl_s
        b.owners[access] = (
            form.get("username", "") if grant == "password" else b.owners.get(form.get("refresh_token", ""), "")
        )
        b.owners[refresh] = b.owners[access]
        b.refresh[refresh] = now + 1800
    return JSONResponse(
        {
            "access_token": access,
            "expires_in": int(b.token_ttl_s),
            "refresh_expires_in": 1800,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "scope": "profile email",
        }
    )


def _caller_cui(request: Request) -> str:
    header = request.headers.get("authorization", "")
    user = book(request.app.state.anaf).owners.get(header[7:], "")
    return user.removeprefix("api-")


#: proposal message fields kept for the receiver's queue (XSD names; the JSON form is their camelCase)
_PROPOSAL_FIELDS = (
    "TemeiDetasare",
    "TipMutare",
    "TipTransfer",
    "CUIAngajatorDestinatie",
    "NumeAngajatorDestinatie",
    "CUIAngajatorSursa",
    "NumeAngajatorSursa",
    "DataPropunere",
    "NumarPropunere",
    "NoteSursa",
    "DataInceput",
    "DataSfarsit",
)


def _json_key(name: str) -> str:
    return "cui" + name[3:] if name.startswith("CUI") else name[:1].lower() + name[1:]


def _authorized(request: Request) -> bool:
    anaf = request.app.state.anaf
    header = request.headers.get("authorization", "")
    tok = header[7:] if header.lower().startswith("bearer ") else ""
    b = book(anaf)
    ok = b.access.get(tok, 0) > anaf.now()
    if not ok:
        b.unauthorized += 1
    return ok


def _read(body: bytes, ctype: str, b: RegesBook) -> tuple[dict[str, Any] | None, list[str]]:
    """(header, facts) from an XML or JSON message, or (None, errors)."""
    if "json" in ctype:
        try:
            data = json.loads(body)
        except json.JSONDecodeError as exc:
            return None, [f"JSON invalid: {exc.msg}"]
        header = data.get("header") or {}
        if not header.get("messageId") or not header.get("operation"):
            return None, ["header.messageId and header.operation are required"]
        facts = {
            "type": str(data.get("$type", "")).lower(),
            "header": header,
            "employee_ref": (
                (data.get("referintaSalariat") or (data.get("continut") or {}).get("referintaSalariat") or {}).get("id")
            ),
            "contract_ref": (data.get("referintaContract") or {}).get("id"),
            "proposal_ref": (data.get("referinta") or {}).get("id"),
            "fields": {
                _json_key(n): data[_json_key(n)] for n in _PROPOSAL_FIELDS if data.get(_json_key(n)) is not None
            },
        }
        return facts, []
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError as exc:
        return None, [f"XML invalid: {exc}"]
    if b.schema is not None and not b.schema.validate(etree.ElementTree(root)):
        return None, [e.message for e in b.schema.error_log]
    q = lambda path: root.findtext(path, namespaces={"r": NS})  # noqa: E731
    header = {
        "messageId": q("r:Header/r:MessageId"),
        "operation": q("r:Header/r:Operation"),
        "clientApplication": q("r:Header/r:ClientApplication"),
        "version": q("r:Header/r:Version"),
    }
    facts = {
        "type": (root.get(f"{{{XSI}}}type") or "").lower(),
        "header": header,
        "employee_ref": q("r:ReferintaSalariat/r:Id") or q("r:Continut/r:ReferintaSalariat/r:Id"),
        "contract_ref": q("r:ReferintaContract/r:Id"),
        "proposal_ref": q("r:Referinta/r:Id"),
        "fields": {_json_key(n): q(f"r:{n}") for n in _PROPOSAL_FIELDS if q(f"r:{n}") is not None},
    }
    return facts, []


def _answer(b: RegesBook, op: str, facts: dict[str, Any], caller: str) -> tuple[bool, str, str | None, str | None]:
    """Acceptare/Respingere/RadierePropunere*: (ok, description, ref, secRef)."""
    pid = (facts.get("proposal_ref") or "").lower()
    p = b.proposals.get(pid)
    kind = "Detasare" if "Detasare" in op else "Mutare"
    if p is None or p["kind"] != kind:
        return False, f"Propunerea {pid} nu exista", None, None
    withdraw = op.startswith("Radiere")
    if caller != (p["source"] if withdraw else p["target"]):
        return (
            False,
            f"Propunerea {pid} nu este adresata angajatorului {caller}"
            if not withdraw
            else f"Propunerea {pid} nu a fost facuta de angajatorul {caller}",
            None,
            None,
        )
    if p["state"] != "Propus":
        return False, f"Propunerea {pid} este in starea {p['state']}; operatia {op} nu mai este posibila", None, None
    if op.startswith("Acceptare"):
        if (facts.get("contract_ref") or "").lower() != p["contract"]:
            return False, f"Contractul {facts.get('contract_ref')} nu este contractul propus", None, None
        p["state"] = "Acceptat"
        p["host_contract"], p["host_employee"] = str(uuid.uuid4()), str(uuid.uuid4())
        b.contracts.add(p["host_contract"])
        return True, "Propunere acceptata", p["host_contract"], p["host_employee"]
    p["state"] = "Radiat" if withdraw else "Respins"
    return True, "Operatie efectuata", pid, None


def _process(b: RegesBook, facts: dict[str, Any], response_id: str, caller: str = "") -> dict[str, Any]:
    op = facts["header"]["operation"]
    emp, con = (facts.get("employee_ref") or "").lower(), (facts.get("contract_ref") or "").lower()
    ref: str | None = None
    sec_ref: str | None = None
    if op == "InregistrareSalariat":
        ref = str(uuid.uuid4())
        b.employees.add(ref)
        ok, desc = True, "Salariat inregistrat"
    elif op.endswith("Salariat"):
        ok, desc = emp in b.employees, f"Salariatul {emp} nu exista in registru"
        ref = emp if ok else None
        if ok and op == "RadiereSalariat":
            b.employees.discard(emp)
    elif op == "AdaugareContract":
        ok, desc = emp in b.employees, f"Salariatul {emp} nu exista in registru"
        if ok:
            ref = str(uuid.uuid4())
            b.contracts.add(ref)
    elif op in ("PropunereDetasareContract", "PropunereMutareContract"):
        ok, desc = con in b.contracts, f"Contractul {con} nu exista in registru"
        if ok:
            ref = str(uuid.uuid4())
            kind = "Detasare" if op == "PropunereDetasareContract" else "Mutare"
            fields = facts.get("fields") or {}
            target = str(fields.get("cuiAngajatorDestinatie") or "")
            item = {
                "$type": facts["type"],
                "header": facts["header"],
                "referinta": {"id": ref},
                "referintaContract": {"id": con},
                **fields,
            }
            b.proposals[ref] = {
                "operation": op,
                "contract": con,
                "kind": kind,
                "state": "Propus",
                "source": caller,
                "target": target,
                "item": item,
            }
            b.inbox.setdefault((kind, target), []).append(item)
    elif op in (
        "AcceptarePropunereDetasareContract",
        "RespingerePropunereDetasareContract",
        "RadierePropunereDetasareContract",
        "AcceptarePropunereMutareContract",
        "RespingerePropunereMutareContract",
        "RadierePropunereMutareContract",
    ):
        ok, desc, ref, sec_ref = _answer(b, op, facts, caller)
    else:
        ok, desc = con in b.contracts, f"Contractul {con} nu exista in registru"
        ref = con if ok else None
    return {
        "$type": "messageResult",
        "header": facts["header"],
        "responseId": response_id,
        "result": {
            "code": "SUCCES" if ok else "FAIL",
            "codeType": "SUCCES" if ok else "ERROR",
            "description": "Operatie efectuata" if ok else desc,
            "ref": ref,
            "secRef": sec_ref,
            "relatedResultsExpected": False,
        },
    }


def _submit(request: Request, kind: str, body: bytes) -> Response:
    anaf = request.app.state.anaf
    ctype = request.headers.get("content-type", "")
    with anaf.lock:
        b = book(anaf)
        if not _authorized(request):
            return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        facts, errors = _read(body, ctype, b)
        if facts is None:
            return JSONResponse(
                {"title": "One or more validation errors occurred.", "status": 400, "errors": errors}, 400
            )
        if facts["type"] != kind.lower():
            return JSONResponse(
                {"title": "Tip mesaj gresit", "status": 400, "errors": [f"{facts['type']} pe /api/{kind}"]}, 400
            )
        response_id = str(uuid.uuid4())
        b.submissions.append(
            {
                "kind": kind,
                "message_id": facts["header"]["messageId"],
                "response_id": response_id,
                "operation": facts["header"]["operation"],
                "format": "json" if "json" in ctype else "xml",
                "at": dt.datetime.now(dt.UTC).isoformat(),
            }
        )
        caller = _caller_cui(request)
        b.queues.setdefault(caller, []).append(_process(b, facts, response_id, caller))
        answer = {"$type": "messageResponse", "header": facts["header"], "responseId": response_id}
    if "json" in ctype:
        return JSONResponse(answer)
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><MessageResponse xmlns="{NS}"><Header><MessageId>'
        f"{answer['header']['messageId']}</MessageId></Header><ResponseId>{response_id}</ResponseId></MessageResponse>"
    )
    return Response(xml, media_type="application/xml")


@router.post("/api/Salariat")
async def salariat(request: Request) -> Response:
    return _submit(request, "Salariat", await request.body())


@router.post("/api/Contract")
async def contract(request: Request) -> Response:
    return _submit(request, "Contract", await request.body())


@router.post("/api/Detasare/Propunere")
async def detasare_propunere(request: Request) -> Response:
    return _submit(request, "PropunereDetasareContract", await request.body())


@router.post("/api/Mutare/Propunere")
async def mutare_propunere(request: Request) -> Response:
    return _submit(request, "PropunereMutareContract", await request.body())


def _count(payload: Any) -> int:
    try:
        return max(0, int((payload or {}).get("messages", 1)))
    except (TypeError, ValueError, AttributeError):
        return 1


@router.post("/api/Status/ReadBatch")
def read_batch(request: Request, consumerId: str = "", payload: Any = Body(None)) -> Response:
    anaf = request.app.state.anaf
    with anaf.lock:
        b = book(anaf)
        if not _authorized(request):
            return Response(status_code=401)
        key = (_caller_cui(request), consumerId)
        start = b.cursors.get(key, 0)
        items = b.queues.get(key[0], [])[start : start + _count(payload)]
    if not items:
        return Response(status_code=204)
    return JSONResponse(items)


@router.post("/api/Status/CommitReadBatch")
def commit_batch(request: Request, consumerId: str = "", payload: Any = Body(None)) -> Response:
    anaf = request.app.state.anaf
    with anaf.lock:
        b = book(anaf)
        if not _authorized(request):
            return Response(status_code=401)
        key = (_caller_cui(request), consumerId)
        start = b.cursors.get(key, 0)
        b.cursors[key] = min(len(b.queues.get(key[0], [])), start + _count(payload))
    return Response(status_code=200)


def _inbox(request: Request, kind: str, consumer: str, payload: Any, *, commit: bool) -> Response:
    anaf = request.app.state.anaf
    with anaf.lock:
        b = book(anaf)
        if not _authorized(request):
            return Response(status_code=401)
        cui = _caller_cui(request)
        items = b.inbox.get((kind, cui), [])
        key = (kind, cui, consumer)
        start = b.inbox_cursors.get(key, 0)
        if commit:
            b.inbox_cursors[key] = min(len(items), start + _count(payload))
            return Response(status_code=200)
        page = items[start : start + _count(payload)]
    if not page:
        return Response(status_code=204)
    return JSONResponse(page)


@router.post("/api/Detasare/Propuneri/ReadBatch")
def detasare_read(request: Request, consumerId: str = "", payload: Any = Body(None)) -> Response:
    return _inbox(request, "Detasare", consumerId, payload, commit=False)


@router.post("/api/Detasare/Propuneri/CommitReadBatch")
def detasare_commit(request: Request, consumerId: str = "", payload: Any = Body(None)) -> Response:
    return _inbox(request, "Detasare", consumerId, payload, commit=True)


@router.post("/api/Mutare/Propuneri/ReadBatch")
def mutare_read(request: Request, consumerId: str = "", payload: Any = Body(None)) -> Response:
    return _inbox(request, "Mutare", consumerId, payload, commit=False)


@router.post("/api/Mutare/Propuneri/CommitReadBatch")
def mutare_commit(request: Request, consumerId: str = "", payload: Any = Body(None)) -> Response:
    return _inbox(request, "Mutare", consumerId, payload, commit=True)
