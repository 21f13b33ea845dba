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

from reges.models import (
    ContractContent,
    ContractMessage,
    EmployeeMessage,
    ProposalAnswer,
    ProposalWithdrawal,
    SecondmentExtension,
    SecondmentProposal,
    TransferProposal,
)

__all__ = ["NS", "XSI", "build_xml", "json_to_xml", "xml_to_json"]

NS = "http://www.inspectiamuncii.ro/reges2025"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NUMBERS = {"CodSiruta", "Cod", "Versiune", "Salariu", "SalariuValuta", "Durata", "Valoare"}
_BOOLEANS = {"Radiat", "AplicaL153", "RelatedResultsExpected", "IsProcent"}
_LISTS = {"ZileSaptamana", "SporuriSalariu"}
#: ``xsi:type`` values we emit; the JSON form writes a root type in lower case (Postman collection), so the
#: inverse needs the XSD spelling back
_XSI_TYPES = {
    t.lower(): t
    for t in (
        "Salariat",
        "Contract",
        "PropunereDetasareContract",
        "PropunereMutareContract",
        "ActiuneIncetare",
        "ActiuneSuspendare",
        "ActiuneDetasare",
    )
}

Message = (
    EmployeeMessage
    | ContractMessage
    | SecondmentProposal
    | TransferProposal
    | ProposalAnswer
    | ProposalWithdrawal
    | SecondmentExtension
)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: object | None = None) -> etree._Element:
    el = etree.SubElement(parent, _q(tag))
    if text is not None:
        el.text = (
            text if isinstance(text, str) else ("true" if text is True else "false" if text is False else str(text))
        )
    return el


def _dt(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return f"{value.isoformat()}T00:00:00"


def _header(
    root: etree._Element,
    operation: str,
    message_id: str,
    *,
    client_app: str,
    user: str,
    author_id: str | None,
    now: dt.datetime,
) -> None:
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


def _continut(
    parent: etree._Element, tag: str, c: ContractContent, now: dt.datetime, start: dt.date | None = None
) -> None:
    """``ContinutContract``; ``start`` (proposals) replaces DataInceputContract and DataConsemnare."""
    el = _sub(parent, tag)
    _sub(_sub(el, "ReferintaSalariat"), "Id", c.employee_ref)
    cor = _sub(el, "Cor")
    _sub(cor, "Cod", c.cor_code)
    _sub(cor, "Versiune", c.cor_version)
    recorded: dt.date | dt.datetime = start or c.recorded_at or now.replace(microsecond=0, tzinfo=None)
    _sub(el, "DataConsemnare", _dt(recorded))
    _sub(el, "DataContract", _dt(c.contract_date))
    _sub(el, "DataInceputContract", _dt(start or c.start_date))
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


def _contract(root: etree._Element, m: ContractMessage, now: dt.datetime) -> None:
    if m.termination is not None:
        act = _sub(root, "Actiune")
        act.set(f"{{{XSI}}}type", "ActiuneIncetare")
        _sub(act, "DataIncetare", _dt(m.termination.date))
        if m.termination.explanation:
            _sub(act, "Explicatie", m.termination.explanation)
        _sub(act, "TemeiLegal", m.termination.legal_basis)
    if m.suspension is not None:
        s, act = m.suspension, _sub(root, "Actiune")
        act.set(f"{{{XSI}}}type", "ActiuneSuspendare")
        if s.ended_on is not None:  # base type Actiune's elements come before the extension's
            _sub(act, "DataIncetareSuspendare", _dt(s.ended_on))
        _sub(act, "DataInceput", _dt(s.start_date))
        if s.end_date is not None:
            _sub(act, "DataSfarsit", _dt(s.end_date))
        if s.explanation:
            _sub(act, "Explicatie", s.explanation)
        _sub(act, "TemeiLegal", s.legal_basis)
    if m.contract_ref:
        _sub(_sub(root, "ReferintaContract"), "Id", m.contract_ref)
    if m.content is not None:
        _continut(root, "Continut", m.content, now)
    if m.removal_reason and m.operation == "RadiereContract":
        _sub(root, "MotivRadiere", m.removal_reason)


def _proposal(
    root: etree._Element, m: SecondmentProposal | TransferProposal, now: dt.datetime, employer_cui: str | None
) -> None:
    """Elements in the order of the XSD sequence (the Postman examples list some of them elsewhere)."""
    _sub(_sub(root, "ReferintaContract"), "Id", m.contract_ref)
    if isinstance(m, SecondmentProposal):
        _sub(root, "TemeiDetasare", m.legal_basis)
        _sub(root, "CUIAngajatorDestinatie", m.host_employer_cui)
        _sub(root, "NumeAngajatorDestinatie", m.host_employer_name)
        _sub(_sub(root, "NationalitateAngajatorDestinatie"), "Nume", m.host_country)
    else:
        _sub(root, "TipMutare", m.move_type)
        _sub(root, "TipTransfer", m.transfer_type)
        _sub(root, "CUIAngajatorDestinatie", m.target_employer_cui)
        _sub(root, "NumeAngajatorDestinatie", m.target_employer_name)
        if m.target_employer_ref:
            _sub(_sub(root, "IdAngajatorDestinatie"), "Id", m.target_employer_ref)
        _sub(_sub(root, "NationalitateAngajatorDestinatie"), "Nume", m.target_country)
    if employer_cui:
        _sub(root, "CUIAngajatorSursa", employer_cui)
    if m.source_employer_name:
        _sub(root, "NumeAngajatorSursa", m.source_employer_name)
    _continut(root, "ContinutContract", m.content, now, start=m.start_date)
    if m.proposal_date:
        _sub(root, "DataPropunere", _dt(m.proposal_date))
    if m.proposal_number:
        _sub(root, "NumarPropunere", m.proposal_number)
    if m.notes:
        _sub(root, "NoteSursa", m.notes)
    _sub(root, "DataInceput", _dt(m.start_date))
    if isinstance(m, SecondmentProposal):
        _sub(root, "DataSfarsit", _dt(m.end_date))


def _answer(root: etree._Element, m: ProposalAnswer | ProposalWithdrawal, now: dt.datetime) -> None:
    """Referinta, [ReferintaContract], [ContinutContract], [NoteDestinatie]: the XSD sequence order."""
    _sub(_sub(root, "Referinta"), "Id", m.proposal_ref)
    if isinstance(m, ProposalWithdrawal):
        return
    if m.contract_ref:
        _sub(_sub(root, "ReferintaContract"), "Id", m.contract_ref)
    if m.content is not None:
        _continut(root, "ContinutContract", m.content, now)
    if m.notes:
        _sub(root, "NoteDestinatie", m.notes)


def _extension(root: etree._Element, m: SecondmentExtension) -> None:
    """``Actiune xsi:type=ActiuneDetasare`` (XSD order: TemeiDetasare, AngajatorCui, AngajatorNume, Cor, DataInceput,
    DataSfarsit, Nationalitate; the Postman example lists them in another order), then ReferintaContract."""
    act = _sub(root, "Actiune")
    act.set(f"{{{XSI}}}type", "ActiuneDetasare")
    _sub(act, "TemeiDetasare", m.legal_basis)
    _sub(act, "AngajatorCui", m.host_employer_cui)
    _sub(act, "AngajatorNume", m.host_employer_name)
    cor = _sub(act, "Cor")
    _sub(cor, "Cod", m.cor_code)
    _sub(cor, "Versiune", m.cor_version)
    _sub(act, "DataInceput", _dt(m.start_date))
    _sub(act, "DataSfarsit", _dt(m.end_date))
    _sub(_sub(act, "Nationalitate"), "Nume", m.host_country)
    _sub(_sub(root, "ReferintaContract"), "Id", m.contract_ref)


def build_xml(
    m: Message,
    message_id: str,
    *,
    client_app: str = "workers-core",
    user: str = "workers-core",
    author_id: str | None = None,
    now: dt.datetime | None = None,
    employer_cui: str | None = None,
) -> etree._Element:
    """The ``Message`` element (``xsi:type`` Salariat, Contract, PropunereDetasareContract or PropunereMutareContract).

    ``employer_cui`` (the submitting register) is sent as ``CUIAngajatorSursa`` of a proposal.
    """
    now = now or dt.datetime.now(dt.UTC)
    root = etree.Element(_q("Message"), nsmap={None: NS, "xsi": XSI})
    root.set(f"{{{XSI}}}type", m.type)
    _header(root, m.operation, message_id, client_app=client_app, user=user, author_id=author_id, now=now)
    if isinstance(m, EmployeeMessage):
        _employee(root, m)
    elif isinstance(m, ContractMessage):
        _contract(root, m, now)
    elif isinstance(m, SecondmentExtension):
        _extension(root, m)
    elif isinstance(m, ProposalAnswer | ProposalWithdrawal):
        _answer(root, m, now)
    else:
        _proposal(root, m, now, employer_cui)
    return root


#: element names starting with an acronym (``CUIAngajatorSursa`` is ``cuiAngajatorSursa`` in JSON)
_ACRONYMS = {"CUIAngajatorDestinatie", "CUIAngajatorSursa"}


def _camel(name: str) -> str:
    """.NET camelCase: a leading run of capitals is lowered, except one starting the next word."""
    chars = list(name)
    for i, ch in enumerate(chars):
        if i and (not ch.isupper() or (i + 1 < len(chars) and not chars[i + 1].isupper())):
            break
        chars[i] = ch.lower()
    return "".join(chars)


_PASCAL = {_camel(n): n for n in _ACRONYMS}


def _pascal(name: str) -> str:
    return _PASCAL.get(name) or name[:1].upper() + name[1:]


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
    """The JSON form of a message (``"$type"`` first, in lower case for the root as in the Postman collection)."""
    data = _value(root)
    assert isinstance(data, dict)
    if str(data.get("$type", "")).lower() in _XSI_TYPES:
        data["$type"] = str(data["$type"]).lower()
    return data


def json_to_xml(data: dict[str, Any], tag: str = "Message") -> etree._Element:
    """Inverse of ``xml_to_json`` (for validating JSON messages against the XSD)."""
    root = etree.Element(_q(tag), nsmap={None: NS, "xsi": XSI})

    def fill(el: etree._Element, obj: Any) -> None:
        if isinstance(obj, dict):
            for key, val in obj.items():
                if key == "$type":
                    el.set(f"{{{XSI}}}type", _XSI_TYPES.get(str(val).lower(), _pascal(str(val))))
                    continue
                for item in val if isinstance(val, list) else [val]:
                    fill(etree.SubElement(el, _q(_pascal(key))), item)
        elif isinstance(obj, bool):
            el.text = "true" if obj else "false"
        elif obj is not None:
            el.text = str(obj)

    fill(root, data)
    return root
