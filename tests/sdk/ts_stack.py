"""Starts what the TypeScript SDK tests talk to, on loopback: a RabbitMQ vhost of its own, a fake Slack, a real
``notify.slack`` worker and the real task gateway; prints one JSON line (URLs and tokens) and runs until its
standard input closes (or SIGTERM), then stops everything and deletes the vhost.

    .venv/bin/python tests/sdk/ts_stack.py      # spawned by sdk/typescript/test/*.test.mjs
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script: the repository is the import root
    sys.path.insert(0, str(REPO))

from tests.conftest import REDIS_BASE, RMQ_HOST, RMQ_PORT, _rabbitmqctl  # noqa: E402
from tests.fakes.slack import TOKEN, FakeSlack  # noqa: E402
from tests.support.gateway import GatewayServer  # noqa: E402
from tests.support.workers import WorkerProcess  # noqa: E402


def worker_env(broker_url: str, redis_url: str, workdir: Path, slack: FakeSlack) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "HEALTH_PORT")}
    env.update(
        RMQ_URL=broker_url,
        REDIS_URL=redis_url,
        ARTIFACT_DIR=str(workdir / "artifacts"),
        WORKERS_CORE_ENV="test",
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
        REGISTRY_URL="",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(REPO),
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_API_URL=slack.api_url,
        SLACK_DEFAULT_CHANNEL="#alerte",
        SLACK_TIMEOUT="5",
    )
    return env


def main() -> int:
    vhost = os.environ.get("TEST_RMQ_VHOST") or f"wc-test-ts-{uuid.uuid4().hex[:10]}"
    own_vhost = "TEST_RMQ_VHOST" not in os.environ
    if own_vhost:
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    broker_url = f"amqp://guest:guest@{RMQ_HOST}:{RMQ_PORT}/{quote(vhost, safe='')}"
    redis_url = f"{REDIS_BASE}/{random.randint(1, 15)}"
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with tempfile.TemporaryDirectory(prefix="wc-ts-stack-") as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        slack = FakeSlack().start()
        stack.callback(slack.stop)
        worker = WorkerProcess("notify.slack", worker_env(broker_url, redis_url, workdir, slack), workdir)
        stack.callback(worker.stop, 20)
        worker.start(timeout=90)
        gateway = GatewayServer(broker_url, redis_url).start()
        stack.callback(gateway.stop)
        if own_vhost:
            stack.callback(lambda: _rabbitmqctl("delete_vhost", vhost))
        info = {
            "url": gateway.url,
            "token": gateway.token(sub="ts-sdk", scopes=("tasks:send:*",)),
            "slack_only_token": gateway.token(sub="ts-sdk", scopes=("tasks:send:notify.*",)),
            "other_tenant_token": gateway.token(sub="ts-other", tenant="tenant-b", scopes=("tasks:read",)),
            "broker_url": broker_url,
        }
        print(json.dumps(info), flush=True)
        reader = threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True)
        reader.start()
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
