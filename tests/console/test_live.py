"""Workers page and its WebSocket with a real worker heartbeating to a real registry: the worker appears, goes
to error when SIGKILLed, and is running again after a restart; events reach the socket within a second."""

from __future__ import annotations

import csv
import io
import json
import time

from websockets.sync.client import connect

from tests.console.conftest import get, post, wait_for, worker_registry_env


def _next_event(ws, timeout: float = 30.0) -> dict:
    while True:
        message = json.loads(ws.recv(timeout=timeout))
        if message.get("event") != "ping":
            return message


def _status(server, headers, name: str) -> str | None:
    data = get(server, "/api/workers", headers).json()
    for tag in data["tags"]:
        for instance in tag["instances"]:
            if instance["instance_id"] == name:
                return str(instance["status"])
    return None


def test_worker_appears_goes_stale_and_recovers_live(
    start_worker,
    registry_server,
    console_server,
    as_role,
    role_token,
    token,
) -> None:
    viewer = as_role("viewer")
    ws_url = console_server.url.replace("http://", "ws://") + "/live"
    with connect(ws_url, additional_headers={"Cookie": f"console_token={role_token('viewer')}"}, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["event"] == "hello"
        worker = start_worker("notify.slack", env=worker_registry_env(registry_server, token, "notify.slack"))
        event = _next_event(ws)
        assert event["event"].startswith("worker.") and event["data"]["tag"] == "notify.slack"
        wait_for(lambda: _status(console_server, viewer, worker.name) in ("running", "idle"))
        page = get(console_server, "/workers", {"Authorization": viewer["Authorization"]})
        assert worker.name in page.text and 'data-live="/live"' in page.text

        worker.kill()
        killed = time.monotonic()
        wait_for(lambda: _status(console_server, viewer, worker.name) == "error", timeout=30)
        seen = None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            message = _next_event(ws, 15)
            if message.get("data", {}).get("instance_id") == worker.name and message["data"]["status"] == "error":
                seen = time.monotonic()
                break
        assert seen is not None and seen - killed < 15

        worker.start()
        wait_for(lambda: _status(console_server, viewer, worker.name) in ("running", "idle"), timeout=60)


def test_unauthenticated_socket_is_closed(console_server) -> None:
    ws_url = console_server.url.replace("http://", "ws://") + "/live"
    try:
        with connect(ws_url, open_timeout=10) as ws:
            ws.recv(timeout=5)
    except Exception as exc:  # the handshake is refused or the socket closed with 1008
        assert "1008" in str(exc) or "403" in str(exc) or "rejected" in str(exc).lower()
    else:
        raise AssertionError("an anonymous socket was served")


def test_drain_and_revoke_are_role_checked_and_audited(
    start_worker, console_server, as_role, registry_server, token
) -> None:
    worker = start_worker("notify.slack", env=worker_registry_env(registry_server, token, "notify.slack"))
    viewer, operator, admin = as_role("viewer"), as_role("operator"), as_role("admin")
    assert post(console_server, "/actions/drain", viewer, {"tag": "notify.slack"}).status_code == 403
    drained = post(console_server, "/actions/drain", operator, {"tag": "notify.slack", "node": worker.hostname})
    assert drained.status_code == 200, drained.text
    assert drained.json()["result"]["replies"]
    resumed = post(console_server, "/actions/resume", operator, {"tag": "notify.slack"})
    assert resumed.status_code == 200, resumed.text
    assert (
        post(console_server, "/actions/pool", operator, {"tag": "notify.slack", "action": "grow", "n": "1"}).status_code
        == 403
    )
    grown = post(console_server, "/actions/pool", admin, {"tag": "notify.slack", "action": "grow", "n": "1"})
    assert grown.status_code == 200, grown.text
    restarted = post(console_server, "/actions/pool", admin, {"tag": "notify.slack", "action": "restart", "n": "1"})
    assert restarted.status_code == 200, restarted.text
    assert "ok" in str(restarted.json()["result"]["replies"]), restarted.text
    revoked = post(console_server, "/actions/revoke", operator, {"task_id": "no-such-task", "terminate": "1"})
    assert revoked.status_code == 200
    scaled = post(console_server, "/actions/scale", admin, {"tag": "notify.slack", "replicas": "3"})
    assert scaled.json()["result"] == {
        "mode": "command",
        "replicas": 3,
        "command": "kubectl -n workers-core scale deployment/notify-slack --replicas=3",
    }
    text = get(console_server, "/audit.csv", {"Authorization": admin["Authorization"]}).text
    actions = {(row["action"], row["outcome"]) for row in csv.DictReader(io.StringIO(text))}
    assert {
        ("worker.drain", "denied"),
        ("worker.drain", "ok"),
        ("worker.resume", "ok"),
        ("worker.pool", "denied"),
        ("worker.pool", "ok"),
        ("task.revoke", "ok"),
        ("worker.scale", "ok"),
    } <= actions
