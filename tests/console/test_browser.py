"""Browser tests (Playwright + Debian chromium): log in per role, find a task by correlation id, replay a dead
letter after fixing its cause (operator) while a viewer's replay is refused by the server."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from console.auth import mint_token
from console.database import console_engine
from console.history import HistoryStore
from console.ingest import EventIngester
from tests.console.browser import CHROMIUM, browser, login, shot
from tests.console.conftest import wait_for, worker_registry_env
from tests.fakes.slack import FakeSlack
from tests.notify_slack.conftest import fake_slack, worker_env_token  # noqa: F401 - fixture

pytestmark = [pytest.mark.chromium, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")]


def test_login_per_role_and_search_by_correlation_id(console_server, console_settings, console_db, tmp_path) -> None:
    """Short browser test of the default run: roles decide what the pages offer; search finds a task."""
    correlation = f"corr-{uuid.uuid4().hex[:10]}"
    task_id = str(uuid.uuid4())
    engine = console_engine(console_db)
    ingester = EventIngester(HistoryStore(engine), batch=10, flush_seconds=60)
    ingester.add(
        {
            "type": "task-received",
            "uuid": task_id,
            "timestamp": 1.9e9,
            "name": "pdf.render",
            "hostname": "pdf.render@node-1",
            "kwargs": "{'html': '<p>private</p>', 'template': 'invoice'}",
        }
    )
    ingester.add({"type": "task-context", "uuid": task_id, "timestamp": 1.9e9, "correlation_id": correlation})
    ingester.flush()
    engine.dispose()
    settings = console_settings()
    with browser() as chromium:
        for role in ("viewer", "operator", "admin"):
            page = chromium.new_page(viewport={"width": 1280, "height": 800})
            login(page, console_server.url, mint_token(settings, subject=f"{role}@example.test", role=role))
            expect(page.locator(f'[data-role="{role}"]')).to_have_text(role)
            expect(page.get_by_role("button", name="Drain")).to_have_count(0 if role == "viewer" else 1)
            expect(page.get_by_role("button", name="Scale")).to_have_count(1 if role == "admin" else 0)
            page.close()
        page = chromium.new_page(viewport={"width": 390, "height": 844})  # a phone
        login(page, console_server.url, mint_token(settings, subject="viewer@example.test", role="viewer"))
        page.get_by_role("link", name="Tasks").click()
        page.get_by_label("correlation id").fill(correlation)
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#results tbody tr")).to_have_count(1)
        page.locator("#results tbody a").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("pdf.render")
        expect(page.locator("main")).not_to_contain_text("private")
        shot(page, "task-phone", tmp_path)


def test_dead_letter_replay_in_the_browser(
    start_worker,
    celery_client,
    fake_slack: FakeSlack,
    ingest,
    console_server,
    registry_server,
    console_settings,
    token,
    tmp_path,
) -> None:
    env = {**worker_env_token(fake_slack), **worker_registry_env(registry_server, token, "notify.slack")}
    worker = start_worker("notify.slack", env=env)
    correlation = f"corr-{uuid.uuid4().hex[:10]}"
    headers = {"x-correlation-id": correlation}
    ok = celery_client.send_task(
        "notify.slack", kwargs={"text": "Plată primită", "channel": "#facturi"}, headers=headers
    )
    bad = celery_client.send_task(
        "notify.slack", kwargs={"text": "Raport lunar", "channel": "#rapoarte"}, headers=headers
    )
    ok.get(timeout=60)
    bad.get(timeout=60, propagate=False)
    settings = console_settings()
    base = console_server.url
    with browser() as chromium:
        viewer = chromium.new_page(viewport={"width": 1280, "height": 800})
        login(viewer, base, mint_token(settings, subject="viewer@example.test", role="viewer"))
        expect(viewer.locator(f'tr[data-instance="{worker.name}"]')).to_have_count(1, timeout=20_000)
        expect(viewer.locator("#live-state")).to_have_text("live")
        shot(viewer, "workers", tmp_path)
        viewer.goto(f"{base}/dlq/notify.slack")
        expect(viewer.locator(f'tr[data-task="{bad.id}"]')).to_have_count(1)
        viewer.get_by_label(f"select {bad.id}").check()
        assert viewer.get_by_role("button", name="Replay selected").count() == 0  # not offered to a viewer...
        response = viewer.request.post(f"{base}/actions/replay", form={"tag": "notify.slack", "id": bad.id})
        assert response.status == 403  # ...and refused by the server when posted anyway

        fake_slack.channels["rapoarte"] = "C0000RAPOARTE"
        operator = chromium.new_page(viewport={"width": 1280, "height": 800})
        login(operator, base, mint_token(settings, subject="operator@example.test", role="operator"))
        operator.goto(f"{base}/queues")
        shot(operator, "queues", tmp_path)
        operator.goto(f"{base}/dlq/notify.slack")
        shot(operator, "dead-letters", tmp_path)
        operator.get_by_label(f"select {bad.id}").check()
        operator.get_by_role("button", name="Replay selected").click()
        expect(operator.locator(".notice")).to_contain_text("dlq.replay")
        operator.goto(f"{base}/tasks?correlation_id={correlation}")
        expect(operator.locator("#results tbody tr")).to_have_count(2)
        wait_for(lambda: operator.reload() or "FAILURE" not in operator.locator("#results").inner_text(), timeout=60)
        shot(operator, "tasks", tmp_path)
        operator.goto(f"{base}/tasks/{bad.id}")
        expect(operator.locator(".facts")).to_contain_text("SUCCESS")
        shot(operator, "task", tmp_path)
        operator.goto(f"{base}/audit")
        expect(operator.locator('tr[data-action="dlq.replay"][data-outcome="denied"]')).to_have_count(1)
        expect(operator.locator('tr[data-action="dlq.replay"][data-outcome="ok"]')).to_have_count(1)
        shot(operator, "audit", tmp_path)
        assert re.search(r"operator@example\.test", operator.content())
