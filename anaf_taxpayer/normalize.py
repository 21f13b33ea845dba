"""Raw ``found`` items of the v9 registry -> ``CompanyInfo`` (empty strings become None, dates are parsed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from anaf_taxpayer.models import (
    Address,
    CompanyInfo,
    EfacturaRegistry,
    InactiveStatus,
    SplitVat,
    VatOnCash,
    VatPeriod,
    VatRegistration,
)

__all__ = ["company_info"]


def _s(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _d(value: Any) -> dt.date | None:
    text = _s(value)
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    return None


def _address(raw: dict[str, Any], p: str) -> Address:
    return Address(
        street=_s(raw.get(f"{p}denumire_Strada")),
        number=_s(raw.get(f"{p}numar_Strada")),
        locality=_s(raw.get(f"{p}denumire_Localitate")),
        locality_code=_s(raw.get(f"{p}cod_Localitate")),
        county=_s(raw.get(f"{p}denumire_Judet")),
        county_code=_s(raw.get(f"{p}cod_Judet")),
        county_auto_code=_s(raw.get(f"{p}cod_JudetAuto")),
        country=_s(raw.get(f"{p}tara")),
        details=_s(raw.get(f"{p}detalii_Adresa")),
        postal_code=_s(raw.get(f"{p}cod_Postal")),
    )


def _periods(raw: Any) -> list[VatPeriod]:
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []  # doc: object; live: array
    return [
        VatPeriod(
            start=_d(p.get("data_inceput_ScpTVA")),
            end=_d(p.get("data_sfarsit_ScpTVA")),
            end_effective=_d(p.get("data_anul_imp_ScpTVA")),
            message=_s(p.get("mesaj_ScpTVA")),
        )
        for p in items
        if isinstance(p, dict)
    ]


def company_info(item: dict[str, Any]) -> CompanyInfo:
    """Normalise one ``found`` entry (missing groups read as "not registered")."""
    g = item.get("date_generale") or {}
    vat = item.get("inregistrare_scop_Tva") or {}
    cash = item.get("inregistrare_RTVAI") or {}
    inactive = item.get("stare_inactiv") or {}
    split = item.get("inregistrare_SplitTVA") or {}
    return CompanyInfo(
        cui=str(g.get("cui", "")),
        name=_s(g.get("denumire")) or "",
        address=_s(g.get("adresa")),
        registration_number=_s(g.get("nrRegCom")),
        phone=_s(g.get("telefon")),
        fax=_s(g.get("fax")),
        postal_code=_s(g.get("codPostal")),
        registration_status=_s(g.get("stare_inregistrare")),
        registration_date=_d(g.get("data_inregistrare")),
        caen_code=_s(g.get("cod_CAEN")),
        iban=_s(g.get("iban")),
        fiscal_authority=_s(g.get("organFiscalCompetent")),
        ownership_form=_s(g.get("forma_de_proprietate")),
        organization_form=_s(g.get("forma_organizare")),
        legal_form=_s(g.get("forma_juridica")),
        vat=VatRegistration(registered=bool(vat.get("scpTVA")), periods=_periods(vat.get("perioade_TVA"))),
        vat_on_cash=VatOnCash(
            active=bool(cash.get("statusTvaIncasare")),
            start=_d(cash.get("dataInceputTvaInc")),
            end=_d(cash.get("dataSfarsitTvaInc")),
            updated=_d(cash.get("dataActualizareTvaInc")),
            published=_d(cash.get("dataPublicareTvaInc")),
            act_type=_s(cash.get("tipActTvaInc")),
        ),
        inactive=InactiveStatus(
            inactive=bool(inactive.get("statusInactivi")),
            inactivated_on=_d(inactive.get("dataInactivare")),
            reactivated_on=_d(inactive.get("dataReactivare")),
            published_on=_d(inactive.get("dataPublicare")),
            deregistered_on=_d(inactive.get("dataRadiere")),
        ),
        split_vat=SplitVat(
            active=bool(split.get("statusSplitTVA")),
            start=_d(split.get("dataInceputSplitTVA")),
            cancelled=_d(split.get("dataAnulareSplitTVA")),
        ),
        efactura_registry=EfacturaRegistry(
            registered=bool(g.get("statusRO_e_Factura")), since=_d(g.get("data_inreg_Reg_RO_e_Factura"))
        ),
        headquarters=_address(item.get("adresa_sediu_social") or {}, "s"),
        fiscal_domicile=_address(item.get("adresa_domiciliu_fiscal") or {}, "d"),
    )
