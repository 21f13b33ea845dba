"""PostgreSQL gone ("restarted") during e-Factura and e-Transport submissions against the fake ANAF (issue 20 §2):
each document filed exactly once, every task final.

Both workers reach PostgreSQL (their outboxes) through one proxy; ``cut()`` drops every connection and refuses
new ones for ``OUTAGE_S``, as a restart does (the real server is never touched). Uploads are counted at the fake
ANAF: e-Factura by invoice number, e-Transport by ``refDeclarant``. Recovery: from the database's return to the
last task becoming final.
"""

from __future__ import annotations

import time
import uuid

import pytest

from tests.anaf_efactura.samples import invoice
from tests.anaf_etransport import samples
from tests.fakes.anaf import FakeAnafServer
from tests.fakes.anaf.etransport import book
from tests.support.faults import FaultRow, proxy_for, report, through, wait_until

OUTAGE_S = 10.0
PER_KIND = 12


def _submit(celery_client, run: str, i: int) -> tuple[object, object]:
    declaration = samples.domestic()
    declaration["declarant_ref"] = f"{run}-{i}"
    return (
        celery_client.send_task("efactura.submit", kwargs={"invoice": invoice(f"{run}-{i}")}),
        celery_client.send_task(
            "etransport.submit", kwargs={"declaration": declaration, "idempotency_key": f"{run}-{i}"}
        ),
    )


@pytest.mark.slow
def test_database_restart_files_each_document_once(
    start_worker, celery_client, efactura_env, etr_env, fake_anaf: FakeAnafServer, worker_env, tcp_proxy
) -> None:
    proxy = proxy_for(worker_env["DATABASE_URL"], tcp_proxy)
    database = {"DATABASE_URL": through(worker_env["DATABASE_URL"], proxy)}
    start_worker("anaf.efactura", env={**efactura_env, **database}, concurrency=2)
    start_worker("anaf.etransport", env={**etr_env, **database}, concurrency=2)
    run = f"PG{uuid.uuid4().hex[:5].upper()}"
    pairs = [_submit(celery_client, run, i) for i in range(PER_KIND // 2)]
    assert wait_until(lambda: len(fake_anaf.state.filings) >= 2, timeout=60), "no upload before the cut"
    proxy.cut()
    pairs += [_submit(celery_client, run, i) for i in range(PER_KIND // 2, PER_KIND)]
    time.sleep(OUTAGE_S)
    proxy.restore()
    back = time.monotonic()
    results = [r for pair in pairs for r in pair]
    finished = wait_until(lambda: all(r.ready() for r in results), timeout=240, step=0.5)
    recovery = time.monotonic() - back
    invoices = [f.invoice_id for f in fake_anaf.state.filings.values() if f.invoice_id and f.invoice_id.startswith(run)]
    refs = [f.ref for f in book(fake_anaf.state).uploads() if f.ref and f.ref.startswith(run)]
    expected = {f"{run}-{i}" for i in range(PER_KIND)}
    row = report(
        FaultRow(
            f"postgresql-cut-{OUTAGE_S:.0f}s",
            sent=len(results),
            completed=sum(1 for r in results if r.state == "SUCCESS"),
            lost=len(expected - set(invoices)) + len(expected - set(refs)),
            twice=(len(invoices) - len(set(invoices))) + (len(refs) - len(set(refs))),
            recovery_s=recovery,
            note=f"{PER_KIND} e-Factura + {PER_KIND} e-Transport against the fake ANAF",
        )
    )
    assert finished, [r.state for r in results if not r.ready()]
    assert row.twice == 0, f"filed twice: {sorted(invoices)} {sorted(refs)}"
    assert row.lost == 0 and row.completed == row.sent, [(r.state, r.result) for r in results if r.state != "SUCCESS"]
