"""Declaration model -> e-Transport v2 XML (namespace ``mfp:anaf:dgti:eTransport:declaratie:v2``), in XSD order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from lxml import etree

from anaf_etransport.models import (
    Confirmation,
    Declaration,
    Deletion,
    Location,
    Notification,
    RoutePoint,
    VehicleChange,
)

__all__ = ["NS", "build_xml", "document_kind"]

NS = "mfp:anaf:dgti:eTransport:declaratie:v2"
_RO_TZ = ZoneInfo("Europe/Bucharest")


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _dec(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _set(el: etree._Element, **attrs: object) -> etree._Element:
    for name, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, Decimal):
            el.set(name, _dec(value))
        elif isinstance(value, dt.date):
            el.set(name, value.isoformat())
        else:
            el.set(name, str(value))
    return el


def _location(parent: etree._Element, loc: Location) -> None:
    _set(
        etree.SubElement(parent, _q("locatie")),
        codJudet=loc.county_code,
        denumireLocalitate=loc.locality,
        denumireStrada=loc.street,
        numar=loc.number,
        bloc=loc.block,
        scara=loc.entrance,
        etaj=loc.floor,
        apartament=loc.apartment,
        alteInfo=loc.other_info,
        codPostal=loc.postal_code,
    )


def _route(parent: etree._Element, tag: str, point: RoutePoint) -> None:
    el = _set(etree.SubElement(parent, _q(tag)), codPtf=point.border_point, codBirouVamal=point.customs_office)
    if point.location is not None:
        _location(el, point.location)


def _notification(root: etree._Element, n: Notification) -> None:
    el = _set(etree.SubElement(root, _q("notificare")), codTipOperatiune=n.operation_type)
    if n.corrects_uit:
        _set(etree.SubElement(el, _q("corectie")), uit=n.corrects_uit)
    for g in n.goods:
        _set(
            etree.SubElement(el, _q("bunuriTransportate")),
            codScopOperatiune=g.purpose_code,
            codTarifar=g.tariff_code,
            denumireMarfa=g.name,
            cantitate=g.quantity,
            codUnitateMasura=g.unit_code,
            greutateNeta=g.net_weight_kg,
            greutateBruta=g.gross_weight_kg,
            valoareLeiFaraTva=g.value_ron,
            refDeclarant=g.ref,
        )
    p = n.partner
    _set(etree.SubElement(el, _q("partenerComercial")), codTara=p.country_code, cod=p.code, denumire=p.name)
    t = n.transport
    _set(
        etree.SubElement(el, _q("dateTransport")),
        nrVehicul=t.vehicle_no,
        nrRemorca1=t.trailer1,
        nrRemorca2=t.trailer2,
        codTaraOrgTransport=t.carrier_country,
        codOrgTransport=t.carrier_code,
        denumireOrgTransport=t.carrier_name,
        dataTransport=t.transport_date,
    )
    _route(el, "locStartTraseuRutier", n.start)
    _route(el, "locFinalTraseuRutier", n.end)
    for d in n.documents:
        _set(
            etree.SubElement(el, _q("documenteTransport")),
            tipDocument=d.type_code,
            numarDocument=d.number,
            dataDocument=d.date,
            observatii=d.notes,
        )
    for prev in n.previous:
        _set(
            etree.SubElement(el, _q("notificareAnterioara")), uit=prev.uit, observatii=prev.notes, refDeclarant=prev.ref
        )


def _local(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(_RO_TZ).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat()


def document_kind(decl: Declaration) -> str:
    """``notificare``, ``corectie`` (a notification correcting a UIT), ``stergere``, ``confirmare`` or ``modifVehicul``."""
    doc = decl.document
    if isinstance(doc, Notification) and doc.corrects_uit:
        return "corectie"
    return doc.kind


def build_xml(decl: Declaration) -> bytes:
    """The declaration as UTF-8 XML bytes (with declaration), ready for upload."""
    root = etree.Element(_q("eTransport"), nsmap={None: NS})
    _set(root, codDeclarant=decl.declarant_code, refDeclarant=decl.declarant_ref)
    if decl.post_outage:
        root.set("declPostAvarie", "D")
    doc = decl.document
    if isinstance(doc, Notification):
        _notification(root, doc)
    elif isinstance(doc, Deletion):
        _set(etree.SubElement(root, _q("stergere")), uit=doc.uit)
    elif isinstance(doc, Confirmation):
        _set(
            etree.SubElement(root, _q("confirmare")),
            uit=doc.uit,
            tipConfirmare=doc.confirmation_type,
            observatii=doc.notes,
        )
    elif isinstance(doc, VehicleChange):
        _set(
            etree.SubElement(root, _q("modifVehicul")),
            uit=doc.uit,
            nrVehicul=doc.vehicle_no,
            nrRemorca1=doc.trailer1,
            nrRemorca2=doc.trailer2,
            dataModificare=_local(doc.changed_at),
            observatii=doc.notes,
        )
    else:  # pragma: no cover - the discriminated union admits nothing else
        raise TypeError(f"unknown document {type(doc).__name__}")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
