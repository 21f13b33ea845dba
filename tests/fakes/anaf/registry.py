"""Fake ``POST /api/PlatitorTvaRest/v9/tva`` (webservicesp.anaf.ro): <= 100 CUIs, 1 req/s, found/notFound."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from anaf_core.cui import is_valid_cui

router = APIRouter()

_JUDETE = [
    ("BUCURESTI", "40", "B"),
    ("CLUJ", "12", "CJ"),
    ("IASI", "22", "IS"),
    ("TIMIS", "35", "TM"),
    ("BRASOV", "8", "BV"),
]
#: Fixed profiles for well-known CUIs (others are derived from the number).
_KNOWN: dict[str, dict[str, Any]] = {
    "4221306": {"name": "MINISTERUL FINANTELOR", "vat": True, "efactura": True, "county": 0},
}


def _address(prefix: str, cui: int, county: int | None = None) -> dict[str, str]:
    judet, cod, auto = _JUDETE[cui % len(_JUDETE) if county is None else county]
    localitate = f"Sector {cui % 6 + 1}" if cod == "40" else judet.title()
    return {
        f"{prefix}denumire_Strada": f"Str. Exemplu {cui % 97}",
        f"{prefix}numar_Strada": str(cui % 200 + 1),
        f"{prefix}denumire_Localitate": localitate,
        f"{prefix}cod_Localitate": str(100 + cui % 50),
        f"{prefix}denumire_Judet": judet,
        f"{prefix}cod_Judet": cod,
        f"{prefix}cod_JudetAuto": auto,
        f"{prefix}tara": "",
        f"{prefix}detalii_Adresa": "",
        f"{prefix}cod_Postal": f"{(cui % 900000) + 100000}",
    }


def company(cui_text: str, on: str) -> dict[str, Any]:
    """Deterministic registry data for a CUI: every flag varies with the number so tests see all shapes."""
    cui = int(cui_text)
    known = _KNOWN.get(cui_text, {})
    vat = known.get("vat", cui % 3 != 0)
    efactura = known.get("efactura", cui % 2 == 0)
    inactive = cui % 17 == 0
    split = cui % 29 == 0
    cash = cui % 7 == 0
    name = known.get("name", f"FIRMA {cui} SRL")
    addr = _address("s", cui, known.get("county"))
    return {
        "date_generale": {
            "cui": cui,
            "data": on,
            "denumire": name,
            "adresa": (
                f"MUN. {addr['sdenumire_Localitate'].upper()}, {addr['sdenumire_Strada'].upper()}, "
                f"NR.{addr['snumar_Strada']}"
            ),
            "nrRegCom": f"J{cui % 52:02d}/{cui % 9999}/2010",
            "telefon": "0212000000" if cui % 5 == 0 else "",
            "fax": "",
            "codPostal": addr["scod_Postal"],
            "act": "",
            "stare_inregistrare": "RADIERE" if inactive and cui % 2 else "INREGISTRAT din data 01.03.2010",
            "data_inregistrare": "2010-03-01",
            "cod_CAEN": "6201",
            "iban": "",
            "statusRO_e_Factura": efactura,
            "data_inreg_Reg_RO_e_Factura": "2022-07-01" if efactura else "",
            "organFiscalCompetent": "Administraţia Judeţeană a Finanţelor Publice",
            "forma_de_proprietate": "PROPR.PRIVATA-CAPITAL PRIVAT AUTOHTON",
            "forma_organizare": "PERSOANA JURIDICA",
            "forma_juridica": "SOCIETATE COMERCIALĂ CU RĂSPUNDERE LIMITATĂ",
        },
        "inregistrare_scop_Tva": {
            "scpTVA": vat,
            "perioade_TVA": [
                {
                    "data_inceput_ScpTVA": "2010-03-01",
                    "data_sfarsit_ScpTVA": "",
                    "data_anul_imp_ScpTVA": "",
                    "mesaj_ScpTVA": "",
                }
            ]
            if vat
            else [],
        },
        "inregistrare_RTVAI": {
            "dataInceputTvaInc": "2015-01-01" if cash else "",
            "dataSfarsitTvaInc": "",
            "dataActualizareTvaInc": "2015-01-01" if cash else "",
            "dataPublicareTvaInc": "2015-01-02" if cash else "",
            "tipActTvaInc": "Inregistrare" if cash else "",
            "statusTvaIncasare": cash,
        },
        "stare_inactiv": {
            "dataInactivare": "2020-05-01" if inactive else "",
            "dataReactivare": "",
            "dataPublicare": "2020-05-02" if inactive else "",
            "dataRadiere": "",
            "statusInactivi": inactive,
        },
        "inregistrare_SplitTVA": {
            "dataInceputSplitTVA": "2018-01-01" if split else "",
            "dataAnulareSplitTVA": "",
            "statusSplitTVA": split,
        },
        "adresa_sediu_social": addr,
        "adresa_domiciliu_fiscal": _address("d", cui, known.get("county")),
    }


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"cod": status, "message": message}, status_code=status)


@router.post("/api/PlatitorTvaRest/v9/tva")
async def tva(request: Request) -> JSONResponse:
    state = request.app.state.anaf
    body = await request.body()
    with state.lock:
        cfg = state.config
        now = state.now()
        last = state.registry_last
        state.registry_last = now
        state.registry_arrivals.append(now)
        if last is not None and now - last < cfg.registry_min_interval_s:
            state.registry_violations += 1
            return _error(429, "Numarul maxim de cereri pe secunda a fost depasit (max 1 cerere/secunda)")
        if cfg.registry_down:
            return _error(503, "Serviciul nu este disponibil momentan")
        try:
            items = json.loads(body)
            if not isinstance(items, list):
                raise ValueError("body must be a JSON array")
            queries = [(int(item["cui"]), str(item["data"])) for item in items]
            for _, on in queries:
                dt.date.fromisoformat(on)
        except (ValueError, KeyError, TypeError) as exc:
            return _error(400, f"Cerere invalida: {exc}")
        if len(queries) > cfg.registry_max_cuis:
            return _error(400, f"Numarul maxim de CUI-uri dintr-o cerere este {cfg.registry_max_cuis}")
        state.registry_calls.append({"at": now, "count": len(queries), "cuis": [str(cui) for cui, _ in queries]})
        found, not_found = [], []
        for cui, on in queries:
            text = str(cui)
            if is_valid_cui(text) and text not in cfg.registry_not_found:
                found.append(company(text, on))
            else:
                not_found.append(cui)
        envelope = cfg.registry_envelope
    payload: dict[str, Any] = {"found": found, "notFound": not_found}
    if envelope:
        payload = {"cod": 200, "message": "SUCCESS", **payload}
    return JSONResponse(payload)
