"""HR: the monthly REGES run - enrolled companies -> beat's ``reges.monthly`` -> submissions -> beat's drain ->
results per company.

The beat entries are sent exactly as beat sends them (task name, kwargs and options of the schedule that
``workers-core beat`` loads from the ``workers_core.schedules`` entry points), to one real ``reges`` worker against
the fake REGES. The credentials are an intermediary's (no ``REGES_EMPLOYER_CUI``): one register, several employers.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import pytest
from lxml import etree

from shared import plugins
from tests.anaf.events import EventCollector, collect_events
from tests.fakes.anaf import FakeAnafServer, FakeAnafState
from tests.fakes.anaf.reges import book
from tests.flows.conftest import Stack
from tests.reges import samples
from tests.schemadata import installed

COMPANY_A, COMPANY_B, COMPANY_IDLE = "18547290", "14399840", "4221306"


@pytest.fixture(scope="module")
def fake_reges() -> Any:
    with FakeAnafServer(FakeAnafState()) as server:
        book(server.state).schema = etree.XMLSchema(etree.parse(str(installed("reges", "reges.xsd"))))
        yield server


@pytest.fixture(scope="module")
def stack(make_stack, fake_reges: FakeAnafServer) -> Stack:  # type: ignore[no-untyped-def]
    env = {
        "REGES_BASE_URL": fake_reges.url,
        "REGES_SSO_URL": fake_reges.url,
        "REGES_CLIENT_SECRET": "fake-reges-secret",
        "REGES_USERNAME": "api-18547290",
        "REGES_PASSWORD": "fake-reges-password",
        "REGES_CONSUMER_ID": f"hr-{uuid.uuid4().hex[:6]}",
    }
    return make_stack(env).start("reges")


def _as_beat(celery_client, name: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Send the schedule entry ``name`` the way beat does and wait for its result."""
    entry = plugins.schedules()[name]
    sent = celery_client.send_task(
        entry["task"], args=entry.get("args", ()), kwargs=entry["kwargs"], **entry["options"]
    )
    return dict(sent.get(timeout=60))


def _results(events: EventCollector, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and len(events.named("reges.result")) < count:
        events.collect(len(events.events) + 1, timeout=0.5)
    return events.named("reges.result")


def test_monthly_run_submits_for_the_companies_due_and_drains_results_per_company(
    stack: Stack, celery_client, broker_url, fake_reges: FakeAnafServer
) -> None:
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    bad = samples.ALL["ModificareSalariat"]  # an employee REGES does not know: its result is a failure
    plans = [
        {"employer_cui": COMPANY_A, "employees": 12, "messages": [samples.ALL["InregistrareSalariat"], bad]},
        {"employer_cui": COMPANY_B, "employees": 3, "messages": [samples.ALL["InregistrareSalariat"]]},
        {"employer_cui": COMPANY_IDLE, "employees": 0, "messages": [samples.ALL["InregistrareSalariat"]]},
    ]
    for plan in plans:
        enrolled = celery_client.send_task("reges.monthly.enroll", kwargs={**plan, "month": month}).get(timeout=60)
        assert enrolled["state"] == "planned"
    monthly = plugins.schedules()["reges-monthly-run"]
    cron = monthly["schedule"]
    assert (cron.day_of_month, cron.hour, cron.minute) == ({1}, {6}, {0})  # the 1st of each month, 06:00 UTC
    with collect_events(broker_url, "reges.#") as events:
        run = _as_beat(celery_client, "reges-monthly-run")
        assert run == {"month": month, "companies": [COMPANY_A, COMPANY_B], "messages": 3}
        events.collect(3, "reges.submitted", timeout=60)
        assert _as_beat(celery_client, "reges-monthly-run")["companies"] == []  # beat again: reported this month
        drained = _as_beat(celery_client, "reges-drain-results")
        results = _results(events, 3)
    assert drained["results"] == 3 and len(book(fake_reges.state).submissions) == 3
    by_company: dict[str, list[str]] = {}
    for result in results:
        by_company.setdefault(result["data"]["employer_cui"], []).append(result["data"]["state"])
    assert sorted(by_company[COMPANY_A]) == ["failed", "succeeded"] and by_company[COMPANY_B] == ["succeeded"]
    assert COMPANY_IDLE not in by_company
    submitted = {e["data"]["employer_cui"] for e in events.named("reges.monthly.submitted")}
    assert submitted == {COMPANY_A, COMPANY_B}
    # a month already reported cannot be re-planned
    again = celery_client.send_task("reges.monthly.enroll", kwargs={**plans[0], "month": month})
    with pytest.raises(Exception) as info:
        again.get(timeout=30)
    assert info.value.args[0]["code"] == "reges_month_reported"
