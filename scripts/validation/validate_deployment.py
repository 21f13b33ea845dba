#!/usr/bin/env python3
"""Validate a running workers-core deployment (ROADMAP step 335); also the chart's `helm test` hook.

Checks, all of them every run (a failure does not stop the others):
  broker          AMQP connection to RMQ_URL (--broker-url) opens
  result-backend  the Redis result backend (REDIS_URL / --backend-url) answers PING
  ping:<queue>    `<queue>.ping` sent with send_task on every queue comes back with pong=True and the queue's tag
  health:<url>    GET <url>/healthz and <url>/readyz answer 200 (each worker's health port, the registry)
  anaf            the ANAF endpoint (--anaf-url) answers HTTP at all (any status < 500 within the timeout)
and the production checklist of infra/README.md (deployment_checks.py), each when asked for:
  database:<ENV>  --database-env NAME: the outbox PostgreSQL in $NAME is reachable and migrated
  bucket          --artifact-store s3://bucket/prefix (ARTIFACT_STORE; AWS_ENDPOINT_URL/AWS_REGION): write+read+delete
  schemas         --schemas [--schemas-dir DIR]: the official schemas installed with their pinned SHA-256
  beat            --beat: one beat holds the Redis lock and ticked within its lock timeout
  registry        --registry-url URL --registry-tag TAG (or --registry-all-tags), token REGISTRY_READ_TOKEN
  redis-aof       --require-redis-aof: the Redis of REDIS_URL persists with AOF
Prints one line per check and a JSON report (--json); exit 0 when everything passed, 1 otherwise, 2 on bad usage.

  python scripts/validation/validate_deployment.py --queue ocr --health-url http://ocr:9800 --anaf-url https://...
  python scripts/validation/validate_deployment.py --all-queues --skip-anaf        # every queue of celeryconfig
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from celery import Celery
from kombu.connection import Connection

sys.path.insert(0, str(Path(__file__).resolve().parent))  # deployment_checks beside this file (image and checkout)
import deployment_checks as checklist


@dataclass
class Result:
    check: str
    ok: bool
    detail: str
    seconds: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)


def timed(name: str, fn: Callable[[], tuple[bool, str, dict[str, Any]]]) -> Result:
    start = time.monotonic()
    try:
        ok, detail, data = fn()
    except Exception as exc:  # noqa: BLE001 - every failure becomes a failed check, never a crash
        ok, detail, data = False, f"{type(exc).__name__}: {exc}", {}
    return Result(name, ok, detail, round(time.monotonic() - start, 3), data)


def check_broker(url: str, timeout: float) -> tuple[bool, str, dict[str, Any]]:
    with Connection(url, connect_timeout=timeout) as conn:  # type: ignore[no-untyped-call]
        conn.ensure_connection(max_retries=1, timeout=timeout)
        return True, f"connected to {conn.as_uri()}", {}


def check_backend(app: Celery) -> tuple[bool, str, dict[str, Any]]:
    client = app.backend.client  # redis.Redis of the result backend
    pong = client.ping()
    return bool(pong), "PING -> PONG" if pong else "PING failed", {}


def load_celeryconfig() -> Any:
    """celeryconfig from the installed package (image) or, run from a checkout, from the repository root."""
    try:
        import celeryconfig
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        import celeryconfig
    return celeryconfig


def make_app(broker: str, backend: str) -> Celery:
    """A producer with the platform's own queue declarations (quorum + DLX) and routes, so publishing a ping
    never declares a queue with different arguments than the workers do."""
    app = Celery("workers-core-validate", set_as_current=False)
    app.config_from_object(load_celeryconfig())
    app.conf.broker_url = broker
    app.conf.result_backend = backend
    app.conf.broker_connection_retry_on_startup = False
    app.conf.broker_connection_max_retries = 1
    return app


def check_pings(app: Celery, queues: list[str], timeout: float) -> list[Result]:
    started = time.monotonic()
    sent: dict[str, Any] = {}
    results: list[Result] = []
    for q in queues:
        try:
            sent[q] = app.send_task(f"{q}.ping", kwargs={"echo": "validate-deployment"})
        except Exception as exc:  # noqa: BLE001
            results.append(Result(f"ping:{q}", False, f"send failed: {type(exc).__name__}: {exc}"))
    deadline = started + timeout
    for q, res in sent.items():
        try:
            value = res.get(timeout=max(0.1, deadline - time.monotonic()), propagate=True)
        except Exception as exc:  # noqa: BLE001 - timeout or task error
            results.append(
                Result(
                    f"ping:{q}",
                    False,
                    f"no pong within {timeout:.0f}s: {type(exc).__name__}: {exc}",
                    round(time.monotonic() - started, 3),
                )
            )
            res.forget()
            continue
        ok = isinstance(value, dict) and value.get("pong") is True and value.get("tag") == q
        results.append(
            Result(
                f"ping:{q}",
                ok,
                "pong" if ok else f"unexpected answer {value!r}",
                round(time.monotonic() - started, 3),
                value if isinstance(value, dict) else {},
            )
        )
    return results


def check_health(client: httpx.Client, base: str) -> tuple[bool, str, dict[str, Any]]:
    codes: dict[str, int | str] = {}
    for path in ("/healthz", "/readyz"):
        try:
            codes[path] = client.get(base.rstrip("/") + path).status_code
        except httpx.HTTPError as exc:
            codes[path] = f"{type(exc).__name__}"
    ok = all(c == 200 for c in codes.values())
    return ok, " ".join(f"{p}={c}" for p, c in codes.items()), {"status": codes}


def check_anaf(client: httpx.Client, url: str) -> tuple[bool, str, dict[str, Any]]:
    r = client.get(url)
    return r.status_code < 500, f"HTTP {r.status_code}", {"status": r.status_code}


def parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queue", action="append", default=[], help="queue to ping (repeatable)")
    ap.add_argument("--all-queues", action="store_true", help="ping every queue of celeryconfig.QUEUES")
    ap.add_argument("--health-url", action="append", default=[], help="base URL of a health endpoint (repeatable)")
    ap.add_argument("--anaf-url", default=os.environ.get("ANAF_PUBLIC_BASE_URL", "https://webservicesp.anaf.ro"))
    ap.add_argument("--skip-anaf", action="store_true")
    ap.add_argument("--broker-url", default=os.environ.get("RMQ_URL"))
    ap.add_argument("--backend-url", default=os.environ.get("REDIS_URL"))
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds for all pings together")
    ap.add_argument("--http-timeout", type=float, default=10.0)
    ap.add_argument("--json", action="store_true", help="print the JSON report")
    ap.add_argument("--database-env", action="append", default=[], help="env var holding an outbox database URL")
    ap.add_argument("--migrations-table", default=checklist.OUTBOX_VERSION_TABLE)
    ap.add_argument("--artifact-store", default=None, help="s3://bucket/prefix to test (default: none)")
    ap.add_argument("--schemas", action="store_true", help="check the installed official schemas")
    ap.add_argument("--schemas-dir", default=None)
    ap.add_argument("--beat", action="store_true", help="check that one beat leads")
    ap.add_argument("--registry-url", default=None)
    ap.add_argument("--registry-tag", action="append", default=[])
    ap.add_argument("--registry-all-tags", action="store_true")
    ap.add_argument("--require-redis-aof", action="store_true")
    a = ap.parse_args(argv)
    known = load_celeryconfig().QUEUES
    if a.all_queues:
        a.queue = list(dict.fromkeys([*a.queue, *known]))
    if a.registry_all_tags:
        a.registry_tag = list(dict.fromkeys([*a.registry_tag, *known]))
    unknown = [q for q in [*a.queue, *a.registry_tag] if q not in known]
    if unknown:
        ap.error(f"unknown queue(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if a.registry_tag and not a.registry_url:
        ap.error("--registry-tag needs --registry-url")
    if not a.broker_url or not a.backend_url:
        ap.error("--broker-url/RMQ_URL and --backend-url/REDIS_URL are required")
    if not a.queue and not a.health_url and not checklist_asked(a):
        ap.error("nothing to validate: give --queue/--all-queues, --health-url or a checklist option")
    return a


def checklist_asked(a: argparse.Namespace) -> bool:
    return bool(a.database_env or a.artifact_store or a.schemas or a.beat or a.registry_tag or a.require_redis_aof)


def run_checklist(a: argparse.Namespace, client: httpx.Client) -> list[Result]:
    """The production-checklist checks the options ask for (infra/README.md)."""
    results: list[Result] = []
    for name in a.database_env:
        url = os.environ.get(name, "")
        results.append(
            timed(f"database:{name}", partial(checklist.check_database, url, a.migrations_table, a.http_timeout))
        )
    if a.artifact_store:
        results.append(
            timed(
                "bucket",
                partial(
                    checklist.check_bucket,
                    a.artifact_store,
                    os.environ.get("AWS_ENDPOINT_URL"),
                    os.environ.get("AWS_REGION"),
                ),
            )
        )
    if a.schemas:
        results.append(timed("schemas", partial(checklist.check_schemas, a.schemas_dir)))
    if a.beat:
        results.append(timed("beat", partial(checklist.check_beat, a.backend_url)))
    if a.registry_tag:
        token = os.environ.get("REGISTRY_READ_TOKEN", "")
        results.append(
            timed("registry", partial(checklist.check_registry, client, a.registry_url, token, a.registry_tag))
        )
    if a.require_redis_aof:
        results.append(timed("redis-aof", partial(checklist.check_redis_aof, a.backend_url)))
    return results


def main(argv: list[str] | None = None) -> int:
    a = parse(sys.argv[1:] if argv is None else argv)
    app = make_app(a.broker_url, a.backend_url)
    results = [
        timed("broker", lambda: check_broker(a.broker_url, a.http_timeout)),
        timed("result-backend", lambda: check_backend(app)),
    ]
    if results[0].ok and a.queue:
        results += check_pings(app, a.queue, a.timeout)
    else:
        results += [Result(f"ping:{q}", False, "skipped: broker unreachable") for q in a.queue]
    with httpx.Client(timeout=a.http_timeout, follow_redirects=True) as client:
        for url in a.health_url:
            results.append(timed(f"health:{url}", partial(check_health, client, url)))
        if not a.skip_anaf:
            results.append(timed("anaf", lambda: check_anaf(client, a.anaf_url)))
        results += run_checklist(a, client)
    for r in results:
        print(f"{'PASS' if r.ok else 'FAIL'} {r.check}: {r.detail} ({r.seconds}s)")
    failed = [r for r in results if not r.ok]
    print(f"validate-deployment: {len(results) - len(failed)} passed, {len(failed)} failed")
    if a.json:
        print(json.dumps({"ok": not failed, "checks": [asdict(r) for r in results]}, indent=2, default=str))
    app.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
