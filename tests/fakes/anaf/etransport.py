"""Fake RO e-Transport API (``/{prod|test}/ETRANSPORT/ws/v1``): upload v2, stareMesaj, lista, as ANAF.md §3 says.

State lives on the shared fake state as ``state.etransport`` (an ``EtransportBook``). Processing is a real
state machine: ``in prelucrare`` for ``config.processing_delay_s``, then ``ok``/``nok`` decided by what
the document does (a deletion, confirmation or vehicle change of an unknown or deleted UIT is ``nok``;
a correction of an unknown UIT is ``nok``). ``config.upload_response_delay_s`` records the filing at
once and holds the answer (the crash window of idempotency tests).
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from lxml import etree

from anaf_etransport.uit import UIT_ALPHABET, uit_check_digits
from tests.fakes.anaf.oauth import require_bearer
from tests.fakes.anaf.state import RO_TZ

router = APIRouter()
NS = "mfp:anaf:dgti:eTransport:declaratie:v2"
_TIP = {"notificare": "NOT", "corectie": "COR", "stergere": "DEL", "confirmare": "CON", "modifVehicul": "MVH"}
ATENTIE = "Codul UIT este valabil doar dupa ce s-a verificat ca mesajul este prelucrat cu succes (stare=ok)."


@dataclass
class EtrFiling:
    index: int
    cif: str
    kind: str
    uit: str | None
    target_uit: str | None
    ref: str | None
    xml: bytes
    received_at: float
    state: str = "in prelucrare"
    errors: list[str] = field(default_factory=list)
    stare_calls: int = 0


@dataclass
class EtransportBook:
    filings: dict[int, EtrFiling] = field(default_factory=dict)
    live_uits: set[str] = field(default_factory=set)
    deleted_uits: set[str] = field(default_factory=set)

    def uploads(self, kind: str | None = None) -> list[EtrFiling]:
        return [f for f in self.filings.values() if kind is None or f.kind == kind]


def book(anaf: Any) -> EtransportBook:
    if not hasattr(anaf, "etransport"):
        anaf.etransport = EtransportBook()
    return anaf.etransport  # type: ignore[no-any-return]


def _now_str(anaf: Any) -> str:
    return dt.datetime.fromtimestamp(anaf.now(), RO_TZ).strftime("%Y%m%d%H%M")


def new_uit() -> str:
    body = "".join(random.choice(UIT_ALPHABET) for _ in range(14))
    return body + uit_check_digits(body)


def _error(anaf: Any, message: str, status: int = 200) -> JSONResponse:
    return JSONResponse(
        {
            "dateResponse": _now_str(anaf),
            "ExecutionStatus": 1,
            "Errors": [{"errorMessage": message}],
            "trace_id": str(uuid.uuid4()),
        },
        status_code=status,
    )


def _settle(anaf: Any, f: EtrFiling) -> None:
    """Moves a filing from ``in prelucrare`` to its verdict once the processing delay passed."""
    if f.state != "in prelucrare" or anaf.now() - f.received_at < anaf.config.processing_delay_s:
        return
    b = book(anaf)
    if f.kind in {"stergere", "confirmare", "modifVehicul", "corectie"} and f.target_uit not in b.live_uits:
        f.state = "nok"
        f.errors = [f"E: UIT {f.target_uit} nu exista sau nu mai este valid pentru {f.kind}"]
        return
    f.state = "ok"
    if f.kind == "notificare" and f.uit:
        b.live_uits.add(f.uit)
    if f.kind == "stergere" and f.target_uit:
        b.live_uits.discard(f.target_uit)
        b.deleted_uits.add(f.target_uit)


def _upload(request: Request, cif: str, body: bytes, version: str) -> JSONResponse:
    anaf = request.app.state.anaf
    with anaf.lock:
        if version not in {"1", "2"}:
            return _error(anaf, f"Versiunea schemei {version} nu este acceptata")
        if not cif.isdigit():
            return _error(anaf, f"CIF introdus= {cif} nu este un numar")
        if not anaf.has_rights(cif):
            return _error(anaf, f"Nu aveti drept in SPV pentru CIF={cif}")
        if len(body) > anaf.config.max_upload_bytes:
            return _error(anaf, "Marime fisier transmis mai mare de 10 MB.")
        try:
            root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
        except etree.XMLSyntaxError as exc:
            return _error(anaf, f"Fisierul transmis nu este valid. org.xml.sax.SAXParseException: {exc}")
        children = [c for c in root if isinstance(c.tag, str)]
        if root.tag != f"{{{NS}}}eTransport" or len(children) != 1:
            return _error(anaf, "Fisierul transmis nu este valid. Element radacina eTransport v2 asteptat")
        doc = children[0]
        kind = etree.QName(doc).localname
        target: str | None = doc.get("uit")
        uit: str | None = None
        if kind == "notificare":
            corr = doc.find(f"{{{NS}}}corectie")
            if corr is not None:
                kind, target = "corectie", corr.get("uit")
                uit = target
            else:
                uit = new_uit()
        b = book(anaf)
        f = EtrFiling(
            index=anaf.next_index(),
            cif=cif,
            kind=kind,
            uit=uit,
            target_uit=target,
            ref=root.get("refDeclarant"),
            xml=body,
            received_at=anaf.now(),
        )
        b.filings[f.index] = f
        delay = anaf.config.upload_response_delay_s
    if delay:
        time.sleep(delay)
    answer: dict[str, Any] = {
        "dateResponse": _now_str(anaf),
        "ExecutionStatus": 0,
        "index_incarcare": f.index,
        "trace_id": str(uuid.uuid4()),
        "ref_declarant": f.ref,
        "atentie": ATENTIE,
    }
    if f.uit:
        answer["UIT"] = f.uit
    return JSONResponse(answer)


@router.post("/{env}/ETRANSPORT/ws/v1/upload/{standard}/{cif}/{version}")
def upload(
    request: Request,
    env: str,
    standard: str,
    cif: str,
    version: str,
    body: bytes = Body(b"", media_type="application/xml"),
    _claims: dict[str, Any] = Depends(require_bearer),
) -> JSONResponse:
    if standard != "ETRANSP":
        return _error(request.app.state.anaf, "Valoarea acceptata pentru parametrul standard este ETRANSP")
    return _upload(request, cif, body, version)


@router.get("/{env}/ETRANSPORT/ws/v1/stareMesaj/{index}")
def stare(request: Request, env: str, index: str, _claims: dict[str, Any] = Depends(require_bearer)) -> JSONResponse:
    anaf = request.app.state.anaf
    with anaf.lock:
        if not index.isdigit():
            return _error(anaf, f"Id_incarcare introdus= {index} nu este un numar intreg")
        f = book(anaf).filings.get(int(index))
        if f is None:
            return _error(anaf, f"Nu exista mesaj cu id_incarcare={index}")
        f.stare_calls += 1
        if f.stare_calls > anaf.config.stare_daily_cap:
            return _error(
                anaf, f"S-au facut deja {anaf.config.stare_daily_cap} interogari de stare pentru mesajul {index}"
            )
        _settle(anaf, f)
        body: dict[str, Any] = {
            "stare": f.state,
            "dateResponse": _now_str(anaf),
            "ExecutionStatus": 0,
            "trace_id": str(uuid.uuid4()),
        }
        if f.state == "nok":
            body["Errors"] = [{"errorMessage": e} for e in f.errors]
    return JSONResponse(body)


@router.get("/{env}/ETRANSPORT/ws/v1/lista/{zile}/{cif}")
def lista(
    request: Request, env: str, zile: int, cif: str, _claims: dict[str, Any] = Depends(require_bearer)
) -> JSONResponse:
    anaf = request.app.state.anaf
    with anaf.lock:
        if not 1 <= zile <= 60:
            return _error(anaf, "Numarul de zile trebuie sa fie intre 1 si 60")
        now = anaf.now()
        out = []
        for f in book(anaf).filings.values():
            _settle(anaf, f)
            if f.cif != cif or f.state == "in prelucrare" or now - f.received_at > zile * 86400:
                continue
            if now - f.received_at < anaf.config.list_lag_s:
                continue
            out.append(
                {
                    "tip": _TIP[f.kind],
                    "stare": "OK" if f.state == "ok" else "ERR",
                    "uit": f.uit or f.target_uit,
                    "ref_decl": f.ref,
                    "id_incarcare": f.index,
                    "data_creare": dt.datetime.fromtimestamp(f.received_at, RO_TZ).strftime("%Y%m%d%H%M"),
                    "mesaje": [{"tip": "ERR", "mesaj": e} for e in f.errors],
                }
            )
        random.shuffle(out)  # "final states only, unsorted"
        if not out:
            return JSONResponse(
                {
                    "Errors": [{"errorMessage": f"Nu exista mesaje in ultimele {zile} zile"}],
                    "ExecutionStatus": 1,
                    "titlu": "Lista Mesaje",
                    "cui": cif,
                    "serial": "FAKE",
                }
            )
    return JSONResponse({"mesaje": out, "serial": "FAKE", "cui": cif, "titlu": "Lista Mesaje"})
