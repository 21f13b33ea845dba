"""Fixtures of the ``anaf.taxpayer`` tests: the fake ANAF and a service over real Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from anaf_core import AnafRuntime
from anaf_taxpayer.config import TaxpayerSettings
from anaf_taxpayer.service import TaxpayerService
from tests.anaf.fixtures import anaf_env, anaf_runtime, anaf_settings, fake_anaf

__all__ = ["anaf_env", "anaf_runtime", "anaf_settings", "fake_anaf", "taxpayer_service"]


@pytest.fixture
def taxpayer_service(anaf_runtime: AnafRuntime) -> Iterator[TaxpayerService]:
    yield TaxpayerService(anaf_runtime, TaxpayerSettings(backoff_s=0.2, wait_timeout_s=30, WORKERS_CORE_ENV="test"))
