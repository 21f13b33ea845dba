"""Fake e-Factura REST (api.anaf.ro ``/{prod|test}/FCTEL/rest``): upload, uploadb2c, stareMesaj, lists,
descarcare and validare, with the ``in prelucrare`` -> ``ok``/``nok`` state machine, duplicate detection,
daily caps and ANAF's documented error bodies (ANAF.md §2.2-2.3)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from typing import Annotated, Any
from xml.sax.saxutils import quoteattr

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from lxml import etree

from tests.fakes.anaf.oauth import require_bearer
from tests.fakes.anaf.state import RO_TZ, FakeAnafState, Filing, Message

router = APIRouter()
Bearer = Annotated[dict[str, Any], Depends(require_bearer)]

NS_UPLOAD = "mfp:anaf:dgti:spv:respUploadFisier:v1"
NS_STARE = "mfp:anaf:dgti:efactura:stareMesajFactura:v1"
NS_ERRORS = "mfp:anaf:dgti:efactura:mesajEroriFactuta:v1"
NS_INV = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CN = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CIUS_RO = "urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1"
ROOTS = {"UBL": f"{{{NS_INV}}}Invoice", "CN": f"{{{NS_CN}}}CreditNote"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _xml(body: str, status: int = 200) -> Response:
    return Response(_XML_DECL + body, media_type="application/xml", status_code=status)


def _stamp(anaf: FakeAnafState) -> str:
    return dt.datetime.fromtimestamp(anaf.now(), RO_TZ).strftime("%Y%m%d%H%M")


def _upload_error(anaf: FakeAnafState, message: str) -> Response:
    return _xml(
        f'<header xmlns="{NS_UPLOAD}" dateResponse="{_stamp(anaf)}" ExecutionStatus="1">'
        f"<Errors errorMessage={quoteattr(message)}/></header>"
    )


def _bad_request(request: Request, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "timestamp": dt.datetime.now(RO_TZ).strftime("%d-%m-%Y %H:%M:%S"),
            "status": 400,
            "error": "Bad Request",
            "message": message,
            "path": request.url.path,
        },
        status_code=400,
    )


def _lista_error(message: str, titlu: str = "Lista Mesaje") -> JSONResponse:
    return JSONResponse({"eroare": message, "titlu": titlu})


def _text(root: etree._Element, path: str) -> str | None:
    found = root.find(path, {"cbc": CBC, "cac": CAC})
    return found.text.strip() if found is not None and found.text else None


def _party_cif(root: etree._Element, party: str) -> str | None:
    for path in (
        f"cac:{party}/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
        f"cac:{party}/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
    ):
        value = _text(root, path)
        if value:
            digits = re.sub(r"^RO", "", value.upper())
            return digits if digits.isdigit() else value
    return None


def _parse(xml: bytes) -> tuple[etree._Element | None, str | None]:
    if b"<!DOCTYPE" in xml[:4096].upper() or b"<!ENTITY" in xml.upper():
        return None, (
            "Fisierul transmis nu este valid. org.xml.sax.SAXParseException; "
            "lineNumber: 1; columnNumber: 10; "
            'DOCTYPE is disallowed when the feature "http://apache.org/xml/features/disallow-doctype-decl" '
            "set to true."
        )
    try:
        return etree.fromstring(xml, parser=_PARSER), None
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (1, 1)
        return None, (
            f"Fisierul transmis nu este valid. org.xml.sax.SAXParseException; lineNumber: {line}; "
            f"columnNumber: {col}; {exc.msg}"
        )


def _rules(filing: Filing, root: etree._Element) -> list[str]:
    """The checks the fake applies at processing time (the real ANAF runs the full CIUS-RO)."""
    errors = []
    if _text(root, "cbc:CustomizationID") != CIUS_RO:
        errors.append(
            f"E: validari globale  eroare regula: BR-RO-001 Specificatia (cbc:CustomizationID) trebuie sa fie {CIUS_RO}"
        )
    if not filing.invoice_id or not re.search(r"\d", filing.invoice_id):
        errors.append(
            "E: validari globale  eroare regula: BR-RO-010 Numarul facturii (BT-1) trebuie sa contina "
            "cel putin un caracter numeric"
        )
    return errors


def advance(anaf: FakeAnafState) -> None:
    """Move every due ``in prelucrare`` filing to its final state, in upload order (call under ``lock``)."""
    now = anaf.now()
    for filing in sorted(anaf.filings.values(), key=lambda f: f.index):
        if filing.state != "in prelucrare" or now < filing.received_at + anaf.config.processing_delay_s:
            continue
        root, _ = _parse(filing.xml)
        if root is None or root.tag != ROOTS.get(filing.standard):
            filing.state = "XML cu erori nepreluat de sistem"
            filing.finalized_at = now
            continue
        errors = _rules(filing, root)
        if not errors:
            for earlier in anaf.filings.values():
                if (
                    earlier.index < filing.index
                    and earlier.state == "ok"
                    and (earlier.seller_cif, earlier.invoice_id, earlier.issue_date)
                    == (filing.seller_cif, filing.invoice_id, filing.issue_date)
                ):
                    errors.append(f"Factura a mai fost transmisa anterior cu index={earlier.index}")
                    break
        filing.errors = errors
        filing.state = "nok" if errors else "ok"
        filing.finalized_at = now
        filing.download_id = anaf.next_download_id()
        name = f"{filing.index}.xml"
        if errors:
            items = "".join(f"<Error errorMessage={quoteattr(e)}/>" for e in errors)
            document = (
                _XML_DECL + f'<header xmlns="{NS_ERRORS}" Index_incarcare="{filing.index}" '
                f'Cif_emitent="{filing.cif}">{items}</header>'
            ).encode()
            entries = [
                (
                    filing.cif,
                    "ERORI FACTURA",
                    f"Erori de validare identificate la factura primita cu id_incarcare={filing.index}",
                )
            ]
        else:
            document = filing.xml
            detail = (
                f"Factura cu id_incarcare={filing.index} emisa de cif_emitent={filing.seller_cif} "
                f"pentru cif_beneficiar={filing.buyer_cif}"
            )
            entries = [(filing.cif, "FACTURA TRIMISA", detail)]
            if filing.buyer_cif and filing.buyer_cif != filing.cif:
                entries.append((filing.buyer_cif, "FACTURA PRIMITA", detail))
            elif filing.flags.get("autofactura"):
                entries.append((filing.cif, "FACTURA PRIMITA", detail))
        archive = anaf.identity.signed_zip(document, name)
        created = [
            Message(filing.download_id, cif, filing.index, tip, detail, now, archive, name)
            for cif, tip, detail in entries
        ]
        anaf.messages.extend(created)
        anaf.downloads[filing.download_id] = created[0]


def _flags(request: Request) -> tuple[dict[str, bool], str | None]:
    flags = {}
    for name in ("extern", "autofactura", "executare"):
        value = request.query_params.get(name)
        if value is None:
            continue
        if value != "DA":
            wording = "autofacturare" if name == "autofactura" else name
            return {}, f"Daca parametrul {wording} trebuie completat, valoarea acceptata este DA"
        flags[name] = True
    return flags, None


async def _upload(env: str, request: Request, b2c: bool) -> Response:
    anaf: FakeAnafState = request.app.state.anaf
    standard = request.query_params.get("standard")
    cif = request.query_params.get("cif")
    if standard is None:
        return _bad_request(
            request, "Required request parameter 'standard' for method parameter type String is not present"
        )
    if cif is None:
        return _bad_request(request, "Required request parameter 'cif' for method parameter type String is not present")
    body = await request.body()
    with anaf.lock:
        anaf.upload_attempts.append({"at": anaf.now(), "cif": cif, "standard": standard, "size": len(body)})
        if anaf.config.efactura_down:
            return _upload_error(anaf, f"A aparut o eroare tehnica. Cod: {uuid.uuid4().hex[:8].upper()}")
        if standard not in ("UBL", "CN", "CII", "RASP"):
            return _upload_error(anaf, "Valorile acceptate pentru parametrul standard sunt UBL, CN, CII sau RASP")
        if not cif.isdigit():
            return _upload_error(anaf, f"CIF introdus= {cif} nu este un numar")
        if not anaf.has_rights(cif):
            return _upload_error(anaf, f"Nu aveti drept in SPV pentru CIF={cif}")
        flags, flag_error = _flags(request)
        if flag_error:
            return _upload_error(anaf, flag_error)
        if len(body) > anaf.config.max_upload_bytes:
            return _upload_error(anaf, "Marime fisier transmis mai mare de 10 MB.")
        root, parse_error = _parse(body)
        if parse_error:
            return _upload_error(anaf, parse_error)
        assert root is not None
        filing = Filing(
            index=anaf.next_index(),
            cif=cif,
            standard=standard,
            b2c=b2c,
            flags=flags,
            xml=body,
            received_at=anaf.now(),
            seller_cif=_party_cif(root, "AccountingSupplierParty"),
            buyer_cif=_party_cif(root, "AccountingCustomerParty"),
            invoice_id=_text(root, "cbc:ID"),
            issue_date=_text(root, "cbc:IssueDate"),
            root=root.tag,
        )
        anaf.filings[filing.index] = filing
        delay = anaf.config.upload_response_delay_s
        stamp = _stamp(anaf)
    if delay > 0:
        await asyncio.sleep(delay)  # the filing exists; the client waits (a crash here leaves it unknowing)
    return _xml(
        f'<header xmlns="{NS_UPLOAD}" dateResponse="{stamp}" ExecutionStatus="0" index_incarcare="{filing.index}"/>'
    )


@router.post("/{env}/FCTEL/rest/upload")
async def upload(env: str, request: Request, _: Bearer) -> Response:
    return await _upload(env, request, b2c=False)


@router.post("/{env}/FCTEL/rest/uploadb2c")
async def upload_b2c(env: str, request: Request, _: Bearer) -> Response:
    return await _upload(env, request, b2c=True)


def _stare_error(message: str) -> Response:
    return _xml(f'<header xmlns="{NS_STARE}"><Errors errorMessage={quoteattr(message)}/></header>')


@router.get("/{env}/FCTEL/rest/stareMesaj")
def stare_mesaj(env: str, request: Request, _: Bearer) -> Response:
    anaf: FakeAnafState = request.app.state.anaf
    raw = request.query_params.get("id_incarcare", "")
    if not raw.isdigit():
        return _stare_error(f"Id_incarcare introdus= {raw} nu este un numar intreg")
    with anaf.lock:
        advance(anaf)
        filing = anaf.filings.get(int(raw))
        if filing is None:
            return _stare_error(f"Nu exista factura cu id_incarcare= {raw}")
        if not anaf.has_rights(filing.cif):
            return _stare_error(f"Nu aveti dreptul de inteorgare pentru id_incarcare= {raw}")
        day = anaf.ro_day()
        used = filing.stare_calls.get(day, 0)
        if used >= anaf.config.stare_daily_cap:
            return _stare_error(
                f"S-au facut deja {used} interogari de stare pentru mesajul cu id_incarcare={raw} in cursul zilei"
            )
        filing.stare_calls[day] = used + 1
        if filing.state in ("ok", "nok"):
            return _xml(f'<header xmlns="{NS_STARE}" stare="{filing.state}" id_descarcare="{filing.download_id}"/>')
        return _xml(f'<header xmlns="{NS_STARE}" stare="{filing.state}"/>')


def _visible(anaf: FakeAnafState, cif: str, since: float, until: float, filtru: str | None) -> list[Message]:
    kinds = {"E": "ERORI FACTURA", "T": "FACTURA TRIMISA", "P": "FACTURA PRIMITA", "R": "MESAJ CUMPARATOR"}
    lag = anaf.config.list_lag_s
    out = [
        m for m in anaf.messages if m.cif == cif and since <= m.created_at <= until and m.created_at + lag <= anaf.now()
    ]
    if filtru:
        out = [m for m in out if m.tip.startswith(kinds[filtru])]
    return out


def _message_json(m: Message) -> dict[str, str]:
    return {
        "data_creare": dt.datetime.fromtimestamp(m.created_at, RO_TZ).strftime("%Y%m%d%H%M"),
        "cif": m.cif,
        "id_solicitare": str(m.id_solicitare),
        "detalii": m.detalii,
        "tip": m.tip,
        "id": str(m.id),
    }


def _check_cif_filter(anaf: FakeAnafState, cif: str, filtru: str | None) -> str | None:
    if not cif.isdigit():
        return f"CIF introdus= {cif} nu este un numar"
    if not anaf.has_rights(cif):
        return f"Nu aveti drept in SPV pentru CIF={cif}"
    if filtru is not None and filtru not in ("E", "T", "P", "R"):
        return "Valorile acceptate pentru parametrul filtru sunt E, T, P sau R"
    return None


@router.get("/{env}/FCTEL/rest/listaMesajeFactura")
def lista_mesaje(env: str, request: Request, _: Bearer) -> JSONResponse:
    anaf: FakeAnafState = request.app.state.anaf
    zile, cif = request.query_params.get("zile", ""), request.query_params.get("cif", "")
    filtru = request.query_params.get("filtru")
    if not zile.isdigit() or not 1 <= int(zile) <= 60:
        return _lista_error("Numarul de zile trebuie sa fie intre 1 si 60")
    with anaf.lock:
        if error := _check_cif_filter(anaf, cif, filtru):
            return _lista_error(error)
        advance(anaf)
        now = anaf.now()
        found = _visible(anaf, cif, now - int(zile) * 86400, now, filtru)[:500]
    if not found:
        return _lista_error(f"Nu exista mesaje in ultimele {zile} zile")
    return JSONResponse(
        {
            "mesaje": [_message_json(m) for m in found],
            "serial": "1234AA456",
            "cui": cif,
            "titlu": f"Lista Mesaje disponibile din ultimele {zile} zile",
        }
    )


def _ro_time(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, RO_TZ).strftime("%d-%m-%Y %H:%M:%S")


@router.get("/{env}/FCTEL/rest/listaMesajePaginatieFactura")
def lista_paginatie(env: str, request: Request, _: Bearer) -> JSONResponse:
    anaf: FakeAnafState = request.app.state.anaf
    q = request.query_params
    cif, filtru = q.get("cif", ""), q.get("filtru")
    try:
        start, end, page = (
            int(q.get("startTime", "")) / 1000,
            int(q.get("endTime", "")) / 1000,
            int(q.get("pagina", "")),
        )
    except ValueError:
        return _lista_error("Parametrii startTime, endTime si pagina trebuie sa fie numere intregi")
    with anaf.lock:
        now = anaf.now()
        if end > now:
            return _lista_error(
                f"endTime = {_ro_time(end)} nu poate fi in viitor, momentul requestului = {_ro_time(now)}"
            )
        if end < start:
            return _lista_error("endTime nu poate fi inainte de startTime")
        if start < now - 60 * 86400:
            return _lista_error(
                f"startTime = {_ro_time(start)} nu poate fi mai vechi de 60 de zile fata de momentul "
                f"requestului = {_ro_time(now)}"
            )
        if error := _check_cif_filter(anaf, cif, filtru):
            return _lista_error(error)
        advance(anaf)
        found = _visible(anaf, cif, start, end, filtru)
    if not found:
        return _lista_error("Nu exista mesaje in intervalul selectat")
    pages = (len(found) + 499) // 500
    if page < 1 or page > pages:
        return _lista_error(f"Pagina solicitata {page} este mai mare decat numarul total de pagini {pages}")
    chunk = found[(page - 1) * 500 : page * 500]
    return JSONResponse(
        {
            "mesaje": [_message_json(m) for m in chunk],
            "numar_inregistrari_in_pagina": len(chunk),
            "numar_total_inregistrari_per_pagina": 500,
            "numar_total_inregistrari": len(found),
            "numar_total_pagini": pages,
            "index_pagina_curenta": page,
            "serial": "1234AA456",
            "cui": cif,
            "titlu": "Lista Mesaje",
        }
    )


@router.get("/{env}/FCTEL/rest/descarcare")
def descarcare(env: str, request: Request, _: Bearer) -> Response:
    anaf: FakeAnafState = request.app.state.anaf
    raw = request.query_params.get("id", "")
    titlu = "Descarcare mesaj"
    if not raw.isdigit():
        return _lista_error(f"Id descarcare introdus= {raw} nu este un numar intreg", titlu)
    with anaf.lock:
        advance(anaf)
        message = anaf.downloads.get(int(raw))
        if message is None:
            return _lista_error(f"Pentru id={raw} nu exista inregistrata nici o factura", titlu)
        if not anaf.has_rights(message.cif):
            return _lista_error(f"Nu aveti dreptul sa descarcati mesajul cu id={raw}", titlu)
        if anaf.now() - message.created_at > 60 * 86400:
            return _lista_error(
                f"Mesajul cu id={raw} nu mai poate fi descarcat pentru ca a trecut perioada de 60 de "
                "zile de la data incarcarii",
                titlu,
            )
        key = f"{raw}:{anaf.ro_day()}"
        used = anaf.download_calls.get(key, 0)
        if used >= anaf.config.download_daily_cap:
            return _lista_error(f"S-au facut deja {used} descarcari de mesaj in cursul zilei", titlu)
        anaf.download_calls[key] = used + 1
        data = message.document
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{raw}.zip"'},
    )


_WAF_PAGE = (
    "<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. "
    "Please consult with your administrator.<br><br>Your support ID is: {sid}<br><br>"
    "<a href='javascript:history.back();'>[Go Back]</a></body></html>"
)


def _waf_triggered(body: bytes) -> bool:
    text = body.decode("utf-8", "replace")
    if ";CP " in text:
        return True
    for value in re.findall(r'schemaLocation\s*=\s*"([^"]*)"', text):
        parts = value.split()
        if any(not p.startswith(("http://", "https://", "urn:")) for p in parts[1::2]):
            return True
    return False


@router.post("/{env}/FCTEL/rest/validare/{kind}")
async def validare(env: str, kind: str, request: Request) -> Response:
    anaf: FakeAnafState = request.app.state.anaf
    if env != "prod":
        raise HTTPException(status_code=404, detail="Not Found")
    if kind not in ("FACT1", "FCN"):
        return _bad_request(request, "Valorile acceptate pentru standard sunt FACT1 sau FCN")
    body = await request.body()
    if "authorization" not in request.headers and _waf_triggered(body):
        return HTMLResponse(_WAF_PAGE.format(sid=uuid.uuid4().int % 10**19))
    trace = str(uuid.uuid4())
    root, parse_error = _parse(body)
    if root is None:
        return JSONResponse({"stare": "nok", "Messages": [{"message": parse_error}], "trace_id": trace})
    expected = ROOTS["UBL" if kind == "FACT1" else "CN"]
    with anaf.lock:
        probe = Filing(
            index=0,
            cif="",
            standard="",
            b2c=False,
            flags={},
            xml=body,
            received_at=anaf.now(),
            seller_cif=None,
            buyer_cif=None,
            invoice_id=_text(root, "cbc:ID"),
            issue_date=None,
            root=root.tag,
        )
    errors = [] if root.tag == expected else [f"E: Fisierul nu este de tipul {kind}"]
    errors += _rules(probe, root)
    if errors:
        return JSONResponse({"stare": "nok", "Messages": [{"message": e} for e in errors], "trace_id": trace})
    return JSONResponse({"stare": "ok", "Messages": [{"message": "Fisierul transmis este valid"}], "trace_id": trace})
