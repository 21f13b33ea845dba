"""Property: every legal random e-Transport declaration passes the model, our CUI checks, the XSD and the Schematron."""

from __future__ import annotations

from hypothesis import given

from anaf_etransport.document import build_xml
from anaf_etransport.models import Declaration
from tests.support.properties import bounded, etransport_declarations


@bounded(20)
@given(etransport_declarations())
def test_random_legal_declarations_are_valid(etr_validator, payload):
    xml = build_xml(Declaration.model_validate(payload))
    fatal = [f for f in etr_validator.validate(xml) if f.fatal]
    assert fatal == [], (fatal, xml.decode("utf-8"))
