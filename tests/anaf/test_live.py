"""Opt-in checks against the real ANAF (skipped by default; never in CI).

    ANAF_LIVE=1 pytest tests/anaf/test_live.py                       # public registry only
    ANAF_LIVE=1 ANAF_CLIENT_ID=.. ANAF_CLIENT_SECRET=.. ANAF_REDIRECT_URI=.. ANAF_REFRESH_TOKEN=.. \\
        ANAF_LIVE_CIF=<CIF with SPV rights> pytest tests/anaf/test_live.py   # + OAuth and e-Factura test env

Uses the production registry (read-only, 1 request) and e-Factura's *test* environment.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest

pytestmark = [
    pytest.mark.anaf_live,
    pytest.mark.skipif(os.environ.get("ANAF_LIVE") != "1", reason="live ANAF tests are opt-in (ANAF_LIVE=1)"),
]
OAUTH = all(os.environ.get(k) for k in ("ANAF_CLIENT_ID", "ANAF_CLIENT_SECRET", "ANAF_REFRESH_TOKEN"))


def _runtime():  # type: ignore[no-untyped-def]
    from anaf_core import AnafRuntime, load_anaf_settings

    return AnafRuntime.create(load_anaf_settings(environment="test", redis_namespace=f"live{uuid.uuid4().hex[:6]}"))


def test_registry_knows_the_ministry_of_finance() -> None:
    from anaf_taxpayer.config import TaxpayerSettings
    from anaf_taxpayer.models import TaxpayerRequest
    from anaf_taxpayer.service import TaxpayerService

    runtime = _runtime()
    try:
        result = TaxpayerService(runtime, TaxpayerSettings()).validate(TaxpayerRequest(cui="4221306", use_cache=False))
    finally:
        runtime.close()
    record = result.results[0]
    assert record.found and record.company is not None and "FINANTELOR" in record.company.name


@pytest.mark.skipif(not OAUTH, reason="needs ANAF_CLIENT_ID / ANAF_CLIENT_SECRET / ANAF_REFRESH_TOKEN")
def test_token_reaches_the_oauth_smoke_endpoint() -> None:

    runtime = _runtime()
    try:
        client = runtime.api_client(runtime.settings.api_base_url)
        answer = client.get("/TestOauth/jaxrs/hello", params={"name": "workers-core"})
    finally:
        runtime.close()
    assert "workers-core" in answer.text


@pytest.mark.skipif(not (OAUTH and os.environ.get("ANAF_LIVE_CIF")), reason="needs OAuth and ANAF_LIVE_CIF")
def test_upload_to_the_test_environment_reaches_a_final_state() -> None:
    from anaf_efactura.client import EfacturaClient
    from anaf_efactura.invoice import Invoice
    from anaf_efactura.ubl import build_ubl
    from tests.anaf_efactura.samples import invoice

    cif = os.environ["ANAF_LIVE_CIF"]
    data = invoice(f"WC-LIVE-{uuid.uuid4().hex[:6]}-1")
    data["seller"]["vat_id"] = f"RO{cif}"
    runtime = _runtime()
    try:
        client = EfacturaClient(runtime.api_client(runtime.settings.efactura_base_url))
        answer = client.upload(build_ubl(Invoice.model_validate(data)), cif=cif, standard="UBL", b2c=False, flags={})
        deadline = time.monotonic() + 300
        state = client.stare(answer.index)
        while state.state == "in prelucrare" and time.monotonic() < deadline:
            time.sleep(15)
            state = client.stare(answer.index)
    finally:
        runtime.close()
    assert state.state in ("ok", "nok")
