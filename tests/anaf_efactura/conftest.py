"""Fixtures of the ``anaf.efactura`` tests: official schemas (kit data), the validator, the fake ANAF."""

from __future__ import annotations

import pytest

from anaf_efactura.validation import InvoiceValidator
from tests.anaf.fixtures import anaf_env, anaf_runtime, anaf_settings, fake_anaf
from tests.kitdata import kit_data

__all__ = ["anaf_env", "anaf_runtime", "anaf_settings", "fake_anaf", "validator"]


@pytest.fixture(scope="session")
def validator() -> InvoiceValidator:
    data = kit_data()
    return InvoiceValidator(data / "ubl-2.1", data / "cius-ro-1.0.9" / "EN16931-CIUS_RO-UBL-validation.xslt")
