"""REGES messages -> XML (ns ``http://www.inspectiamuncii.ro/reges2025``, XSD element order) and the JSON form.

The JSON form is derived from the same XML tree by the API's conventions (Postman collection): element
names in camelCase, ``xsi:type`` as ``"$type"`` in camelCase, numbers and booleans typed, repeated
elements as arrays. ``json_to_xml`` is the inverse, used to check JSON against the XSD.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from lxml import etree

from reges.models import ContractMessage, EmployeeMessage

__all__ = ["NS", "XSI", "build_xml", "json_to_xml", "xml_to_json"]

NS = "http://www.inspectiamuncii.ro/reges2025"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NUMBERS = {"CodSiruta", "Cod", "Versiune", "Salariu", "SalariuValuta", "Durata", "Valoare"}
_BOOLEANS = {"Radiat", "AplicaL153", "RelatedResultsExpected", "IsProcent"}
_LISTS = {"ZileSaptamana", "SporuriSalariu"}


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: object | None = None) -> etree._Element:
    el = etree.SubElement(parent, _q(tag))
    if text is not None:
        el.text = text if isinstance(text, str) else ("true" if text is True else "false" if text is False else str(text))
    return el


def _dt(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return f"{value.isoformat()}T00:00:00"


def _header(root: etree._Element, operation: str, message_id: str, *, client_app: str, user: str,
            author_id: str | None, now: dt.datetime) -> None:
    h = _sub(root, "Header")
    _sub(h, "MessageId", message_id)
    _sub(h, "ClientApplication", client_app)
    _sub(h, "Version", "5")
    _sub(h, "Operation", operation)
    if author_id:
        _sub(h, "AuthorId", author_id)
    _sub(h, "SessionId", str(uuid.uuid5(uuid.NAMESPACE_URL, f"reges:{message_id}")))
    _sub(h, "User", user)
    _sub(h, "Timestamp", now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"))


def _employee(root: etree._Element, m: EmployeeMessage) -> None:
    if m.employee_ref:
        _sub(_sub(root, "ReferintaSalariat"), "Id", m.employee_ref)
    i, info = m.info, _sub(root, "Info")
    _sub(info, "Adresa", i.address)
    _sub(info, "Cnp", i.cnp)
    if i.locality_siruta:
        _sub(_sub(info, "Localitate"), "CodSiruta", i.locality_siruta)
    if i.notes:
        _sub(info, "Mentiuni", i.notes)
    _sub(_sub(info, "Nationalitate"), "Nume", i.nationality)
    _sub(info, "Nume", i.last_name)
    _sub(info, "Prenume", i.first_name)
    if i.birth_date:
        _sub(info, "DataNastere", _dt(i.birth_date))
    _sub(_sub(info, "TaraDomiciliu"), "Nume", i.country_of_residence)
    _sub(info, "TipActIdentitate", i.id_document_type)
    if m.operation == "RadiereSalariat":
        _sub(info, "Radiat", True)
        _sub(info, "MotivRadiere", m.removal_reason)


def _contract(root: etree._Element, m: ContractMessage, now: dt.datetime) -> None:
    if m.termination is not None:
        act = _sub(root, "Actiune")
        act.set(f"{{{XSI}}}type", "ActiuneIncetare")
        _sub(act, "DataIncetare", _dt(m.termination.date))
        if m.termination.explanation:
            _sub(act, "Explicatie", m.termination.explanation)
        _sub(act, "TemeiLegal", m.termination.legal_basis)
    if m.contract_ref:
        _sub(_sub(root, "ReferintaContract"), "Id", m.contract_ref)
    if m.content is not None:
        c, el = m.content, _sub(root, "Continut")
        _sub(_sub(el, "ReferintaSalariat"), "Id", c.employee_ref)
        cor = _sub(el, "Cor")
        _sub(cor, "Cod", c.cor_code)
        _sub(cor, "Versiune", c.cor_version)
        _sub(el, "DataConsemnare", _dt(c.recorded_at or now.replace(microsecond=0, tzinfo=None)))
        _sub(el, "DataContract", _dt(c.contract_date))
        _sub(el, "DataInceputContract", _dt(c.start_date))
        if c.end_date:
            _sub(el, "DataSfarsitContract", _dt(c.end_date))
        _sub(el, "NumarContract", c.number)
        _sub(el, "Radiat", False)
        _sub(el, "Salariu", c.salary)
        _sub(el, "StareCurenta")
        tm, w = _sub(el, "TimpMunca"), c.working_time
        if w.hours is not None:
            _sub(tm, "Durata", f"{w.hours:g}")
        if w.interval:
            _sub(tm, "IntervalTimp", w.interval)
        _sub(tm, "Norma", w.norm)
        _sub(tm, "Repartizare", w.repartition)
        _sub(el, "TipContract", c.contract_type)
        _sub(el, "TipDurata", c.duration_type)
        _sub(el, "TipNorma", c.norm_type)
        if c.workplace_county:
            _sub(el, "JudetLocMunca", c.workplace_county)
    if m.removal_reason and m.operation == "RadiereContract":
        _sub(root, "MotivRadiere", m.removal_reason)


def build_xml(m: EmployeeMessage | ContractMessage, message_id: str, *, client_app: str = "workers-core",
              user: str = "workers-core", author_id: str | None = None, now: dt.datetime | None = None) -> etree._Element:
    """The ``Message`` element (``xsi:type`` Salariat or Contract)."""
    now = now or dt.datetime.now(dt.UTC)
    root = etree.Element(_q("Message"), nsmap={None: NS, "xsi": XSI})
    root.set(f"{{{XSI}}}type", m.type)
    _header(root, m.operation, message_id, client_app=client_app, user=user, author_id=author_id, now=now)
    if isinstance(m, EmployeeMessage):
        _employee(root, m)
    else:
        _contract(root, m, now)
    return root


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _value(el: etree._Element) -> Any:
    name = etree.QName(el).localname
    children = [c for c in el if isinstance(c.tag, str)]
    xsi_type = el.get(f"{{{XSI}}}type")
    if not children:
        text = el.text or ""
        if xsi_type is None and not len(el) and (el.text is not None or name not in {"StareCurenta"}):
            if name in _NUMBERS:
                return float(text) if "." in text else int(text)
            if name in _BOOLEANS:
                return text == "true"
            if el.text is not None:
                return text
    out: dict[str, Any] = {}
    if xsi_type:
        out["$type"] = _camel(xsi_type)
    for c in children:
        key = _camel(etree.QName(c).localname)
        val = _value(c)
        if etree.QName(c).localname in _LISTS:
            out.setdefault(key, []).append(val)
        else:
            out[key] = val
    return out


def xml_to_json(root: etree._Element) -> dict[str, Any]:
    """The JSON form of a message (``"$type"`` first, then the elements in order)."""
    data = _value(root)
    assert isinstance(data, dict)
    return data


def json_to_xml(data: dict[str, Any], tag: str = "Message") -> etree._Element:
    """Inverse of ``xml_to_json`` (for validating JSON messages against the XSD)."""
    root = etree.Element(_q(tag), nsmap={None: NS, "xsi": XSI})

    def fill(el: etree._Element, obj: Any) -> None:
        if isinstance(obj, dict):
            for key, val in obj.items():
                if key == "$type":
                    el.set(f"{{{XSI}}}type", _pascal(str(val)))
                    continue
                for item in val if isinstance(val, list) else [val]:
                    fill(etree.SubElement(el, _q(_pascal(key))), item)
        elif isinstance(obj, bool):
            el.text = "true" if obj else "false"
        elif obj is not None:
            el.text = str(obj)

    fill(root, data)
    return root
