"""Fixtures for the e-Transport tests: official schema paths and one compiled validator per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from anaf_etransport.validation import EtransportValidator

REPO = Path(__file__).resolve().parents[2]


def kit_data() -> Path:
    return Path(os.environ.get("WORKERS_CORE_KIT_DATA", REPO.parent / "shared" / "data"))


ETR_XSD = kit_data() / "etransport" / "schema_ETR_v2_20230126.xsd"
ETR_SCH = kit_data() / "etransport" / "eTransport-validation_v.2.0.2_12082024.sch"


@pytest.fixture(scope="session")
def etr_validator() -> EtransportValidator:
    return EtransportValidator(ETR_XSD, ETR_SCH)
