"""Redis stalled for 15 s while e-mails and Slack messages are sent (issue 20 §2): nothing sent twice, nothing
lost, ``/readyz`` red during the stall and green again soon after.

The e-mail and Slack workers reach Redis (results, idempotency keys, the Slack channel pacer) through one proxy
whose ``stall()`` forwards nothing while keeping the connections open: the clients see what a server frozen by
``DEBUG SLEEP`` / ``CLIENT PAUSE`` shows them (timeouts, not refusals); the real Redis is never paused. Counted
at the SMTP sink and the fake Slack. Recovery: from the end of the stall to ``/readyz`` 200 on both workers.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.email_send.conftest import worker_env_for
from tests.email_send.smtpd import SmtpServer
from tests.fakes.slack import FakeSlack
from tests.notify_slack.conftest import worker_env_token
from tests.support.faults import FaultRow, proxy_for, report, through, wait_until


def _ready(url: str) -> bool:
    try:
        return httpx.get(url + "/readyz", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def _send(celery_client, i: int) -> tuple[str, object, object]:
    mail = celery_client.send_task(
        "email.send", kwargs={"to": [f"c{i}@exemplu.ro"], "subject": f"Stall {i}", "text": "Mulțumim."}
    )
    slack = celery_client.send_task("notify.slack", kwargs={"text": f"Stall {i}", "channel": "#alerte"})
    return f"Stall {i}", mail, slack


@pytest.mark.slow
def test_redis_stalled_15s_sends_nothing_twice(
    start_worker, celery_client, smtp_server: SmtpServer, fake_slack: FakeSlack, redis_url: str, tcp_proxy
) -> None:
    proxy = proxy_for(redis_url, tcp_proxy)
    redis_env = {"REDIS_URL": through(redis_url, proxy)}
    mail_worker = start_worker("email.send", env={**worker_env_for(smtp_server), **redis_env}, concurrency=2)
    slack_env = worker_env_token(fake_slack, NOTIFY_SLACK_RATE_PER_SECOND="50", NOTIFY_SLACK_RATE_BURST="50")
    slack_worker = start_worker("notify.slack", env={**slack_env, **redis_env}, concurrency=2)
    workers = (mail_worker, slack_worker)
    sent = [_send(celery_client, i) for i in range(10)]
    assert wait_until(lambda: len(smtp_server.messages) >= 3 and len(fake_slack.posted) >= 3, timeout=30)
    proxy.stall()
    stalled_at = time.monotonic()
    sent += [_send(celery_client, i) for i in range(10, 30)]  # the load goes on during the stall
    red = wait_until(lambda: not any(_ready(w.health_url) for w in workers), timeout=12, step=0.2)
    red_after = time.monotonic() - stalled_at
    time.sleep(max(0.0, 15.0 - (time.monotonic() - stalled_at)))
    proxy.restore()
    back = time.monotonic()
    green = wait_until(lambda: all(_ready(w.health_url) for w in workers), timeout=30, step=0.1)
    readyz_back = time.monotonic() - back
    sent += [_send(celery_client, i) for i in range(30, 40)]
    results = [r for _, mail, slack in sent for r in (mail, slack)]
    finished = wait_until(lambda: all(r.ready() for r in results), timeout=240, step=0.5)
    final_s = time.monotonic() - back
    subjects = [str(m.message["Subject"]) for m in smtp_server.messages]
    texts = [p.text for p in fake_slack.posted]
    names = {name for name, _, _ in sent}
    row = report(
        FaultRow(
            "redis-stall-15s",
            sent=len(results),
            completed=sum(1 for r in results if r.state == "SUCCESS"),
            lost=len(names - set(subjects)) + len(names - set(texts)),
            twice=(len(subjects) - len(set(subjects))) + (len(texts) - len(set(texts))),
            recovery_s=readyz_back,
            note=f"e-mail + Slack; /readyz red {red_after:.1f} s into the stall; all final {final_s:.0f} s after it",
        )
    )
    assert red, "/readyz stayed green with Redis stalled"
    assert green and readyz_back < 5.0, f"/readyz green only {readyz_back:.1f}s after Redis returned"
    assert finished, [r.state for r in results if not r.ready()]
    assert row.twice == 0 and row.lost == 0 and row.completed == row.sent, row
