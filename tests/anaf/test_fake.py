"""The fake ANAF itself: runnable by hand, composable, and answering with ANAF's documented shapes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time

import httpx
import pytest

from anaf_core import AnafAuthError, AnafResponseError, AnafRuntime
from anaf_efactura.client import EfacturaClient
from anaf_efactura.invoice import Invoice
from anaf_efactura.ubl import build_ubl
from tests.anaf_efactura.samples import invoice
from tests.fakes.anaf import FakeAnafServer, build_app, free_port
from tests.schemadata import REPO


def test_runs_by_hand() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.anaf", "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/api/PlatitorTvaRest/v9/tva", json=[{"cui": 4221306, "data": "2026-01-05"}]
                )
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert answer.json()["found"][0]["date_generale"]["denumire"] == "MINISTERUL FINANTELOR"
    finally:
        proc.terminate()
        proc.wait(10)


def test_sibling_fakes_plug_in() -> None:
    app = build_app()
    paths = {getattr(route, "path", "") for r in app.routes for route in getattr(r, "original_router", r).routes}
    assert "/{env}/FCTEL/rest/upload" in paths and "/api/PlatitorTvaRest/v9/tva" in paths
    if importlib.util.find_spec("tests.fakes.anaf.etransport"):
        assert any("ETRANSPORT" in p for p in paths)


@pytest.fixture
def efactura(anaf_runtime: AnafRuntime, fake_anaf: FakeAnafServer) -> EfacturaClient:
    code = httpx.post(f"{fake_anaf.url}/_fake/authorize-code", json={}).json()["code"]
    anaf_runtime.tokens.exchange_code(code)
    return EfacturaClient(anaf_runtime.api_client(anaf_runtime.settings.efactura_base_url))


def test_registry_limits(fake_anaf: FakeAnafServer) -> None:
    url = f"{fake_anaf.url}/api/PlatitorTvaRest/v9/tva"
    too_many = httpx.post(url, json=[{"cui": 4221306, "data": "2026-01-05"}] * 101)
    assert too_many.status_code == 400 and "100" in too_many.json()["message"]
    time.sleep(1)
    fake_anaf.state.config.registry_envelope = True
    answer = httpx.post(url, json=[{"cui": 12345678, "data": "2026-01-05"}]).json()
    assert answer == {"cod": 200, "message": "SUCCESS", "found": [], "notFound": [12345678]}


def test_efactura_state_machine_and_lists(efactura: EfacturaClient, fake_anaf: FakeAnafServer) -> None:
    xml = build_ubl(Invoice.model_validate(invoice("FCT-FAKE-1")))
    first = efactura.upload(xml, cif="4221306", standard="UBL", b2c=False, flags={})
    assert efactura.stare(first.index).state == "in prelucrare"
    second = efactura.upload(xml, cif="4221306", standard="UBL", b2c=False, flags={})  # same invoice again
    time.sleep(0.4)
    ok, nok = efactura.stare(first.index), efactura.stare(second.index)
    assert ok.state == "ok" and nok.state == "nok" and ok.download_id and nok.download_id
    sent = efactura.messages("4221306", 1, filtru="T")
    assert [(m["tip"], m["id_solicitare"]) for m in sent] == [("FACTURA TRIMISA", str(first.index))]
    assert "cif_emitent=4221306 pentru cif_beneficiar=12345674" in sent[0]["detalii"]
    received = efactura.messages("12345674", 1)
    assert [m["tip"] for m in received] == ["FACTURA PRIMITA"]
    errors = efactura.messages("4221306", 1, filtru="E")
    assert [m["id_solicitare"] for m in errors] == [str(second.index)]
    now_ms = int(fake_anaf.state.now() * 1000)
    page = efactura.messages_page("4221306", now_ms - 3_600_000, now_ms, 1)
    assert page.pages == 1 and len(page.messages) == 2
    assert efactura.messages("14399840", 3) == []  # "Nu exista mesaje in ultimele 3 zile"
    with pytest.raises(AnafResponseError) as info:
        efactura.messages_page("4221306", now_ms, now_ms + 3_600_000, 1)
    assert "momentul requestului" in info.value.messages[0]


def test_efactura_error_bodies(efactura: EfacturaClient, fake_anaf: FakeAnafServer) -> None:
    with pytest.raises(AnafResponseError) as info:
        efactura.stare(999)
    assert info.value.messages == ["Nu exista factura cu id_incarcare= 999"]
    with pytest.raises(AnafResponseError) as info:
        efactura.download(1)
    assert "nu exista inregistrata" in info.value.messages[0]
    with pytest.raises(AnafResponseError) as info:
        efactura.upload(b"<a>" * 10, cif="4221306", standard="UBL", b2c=False, flags={})
    assert info.value.messages[0].startswith("Fisierul transmis nu este valid. org.xml.sax.SAXParseException")
    with pytest.raises(AnafResponseError):
        efactura.upload(b"<a/>", cif="4221306", standard="XYZ", b2c=False, flags={})
    with pytest.raises(AnafResponseError) as info:
        efactura.upload(b" " * (10 * 1024 * 1024 + 1), cif="4221306", standard="UBL", b2c=False, flags={})
    assert info.value.messages == ["Marime fisier transmis mai mare de 10 MB."]
    fake_anaf.state.config.spv_cifs = set()
    with pytest.raises(AnafAuthError):
        efactura.upload(b"<a/>", cif="4221306", standard="UBL", b2c=False, flags={})
    assert fake_anaf.state.filings == {}


def test_validare_is_prod_only(fake_anaf: FakeAnafServer) -> None:
    xml = build_ubl(Invoice.model_validate(invoice("FCT-V-1")))
    assert httpx.post(f"{fake_anaf.url}/test/FCTEL/rest/validare/FACT1", content=xml).status_code == 404
    ok = httpx.post(f"{fake_anaf.url}/prod/FCTEL/rest/validare/FACT1", content=xml).json()
    assert ok["stare"] == "ok" and ok["trace_id"]
