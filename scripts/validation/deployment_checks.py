"""The production-checklist checks of validate_deployment.py (infra/README.md, "Production checklist").

Each function returns ``(ok, detail, data)`` and raises on anything unexpected (the caller turns an exception
into a failed check): the outbox database is reachable and migrated, the object store bucket takes a write, the
official schemas are installed with the pinned hashes, exactly one beat holds the lock and ticks, the registry
sees an instance of every tag, Redis persists with AOF.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx

Check = tuple[bool, str, dict[str, Any]]

#: The version table of the outbox's Alembic migrations (`workers-core outbox migrate`).
OUTBOX_VERSION_TABLE = "workers_core_outbox_version"


def check_database(url: str, version_table: str = OUTBOX_VERSION_TABLE, timeout: float = 10.0) -> Check:
    """PostgreSQL answers and the migrations ran (the version table exists and names a revision)."""
    import psycopg
    from psycopg import sql

    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    if not dsn.startswith(("postgresql://", "postgres://")):
        return False, f"not a PostgreSQL URL ({urlsplit(url).scheme or 'no scheme'}): SQLite/none is not deployable", {}
    with psycopg.connect(dsn, connect_timeout=max(1, int(timeout))) as conn:
        server = conn.execute("SHOW server_version").fetchone()
        found = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (version_table,)).fetchone()
        if not found or not found[0]:
            version = server[0] if server else "?"
            return (
                False,
                (
                    f"reachable (PostgreSQL {version}) but NOT migrated: no table {version_table}"
                    " (run `workers-core outbox migrate`)"
                ),
                {},
            )
        row = conn.execute(
            sql.SQL("SELECT version_num FROM {} LIMIT 1").format(sql.Identifier(version_table))
        ).fetchone()
    if row is None:
        return False, f"{version_table} is empty: migrations never completed", {}
    return True, f"reachable, migrated to revision {row[0]}", {"revision": row[0]}


def check_bucket(store: str, endpoint: str | None, region: str | None) -> Check:
    """The artifact store takes a write, gives it back and deletes it (s3://bucket/prefix)."""
    import boto3

    parts = urlsplit(store)
    if parts.scheme != "s3" or not parts.netloc:
        return False, f"ARTIFACT_STORE {store!r} is not s3://bucket/prefix (a pod-local path is not deployable)", {}
    bucket, prefix = parts.netloc, parts.path.strip("/")
    key = "/".join(p for p in (prefix, ".validate-deployment", uuid.uuid4().hex) if p)
    client = boto3.client("s3", endpoint_url=endpoint or None, region_name=region or "us-east-1")
    body = b"workers-core validate-deployment"
    client.put_object(Bucket=bucket, Key=key, Body=body)
    try:
        got = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    finally:
        client.delete_object(Bucket=bucket, Key=key)
    if got != body:
        return False, f"s3://{bucket}/{key}: read back {len(got)} bytes that differ", {}
    return True, f"s3://{bucket}/{prefix}: write, read back and delete OK", {"bucket": bucket}


def check_schemas(directory: str | None) -> Check:
    """Every validation artefact of the pinned manifest is installed with its SHA-256."""
    from pathlib import Path

    from shared.schemas.manifest import load_manifest
    from shared.schemas.store import SchemaStore, default_schemas_dir

    store = SchemaStore(Path(directory) if directory else default_schemas_dir(), load_manifest())
    rows = store.status()
    bad = [f"{r.name}: {'; '.join(r.problems[:2])}" for r in rows if not r.ok and r.role == "validation"]
    if bad:
        return False, f"{store.root}: {len(bad)} unusable: " + " | ".join(bad[:3]), {"unusable": bad}
    return True, f"{store.root}: {len(rows)} artefacts, hashes match", {"artefacts": len(rows)}


def check_beat(redis_url: str, max_age: float | None = None) -> Check:
    """A beat holds the leader lock and ticked within its lock timeout."""
    from shared.beat import BeatSettings, leader

    settings = BeatSettings()
    found = leader(redis_url, settings)
    if found is None:
        return False, "no beat holds the lock (periodic tasks such as reges.drain are not scheduled)", {}
    limit = max_age if max_age is not None else float(settings.lock_timeout)
    if found.age > limit:
        return False, f"leader {found.instance} last ticked {found.age:.0f}s ago (> {limit:.0f}s)", {}
    return (
        True,
        f"leader {found.instance} (pid {found.pid}), last tick {found.age:.1f}s ago",
        {"instance": found.instance, "since": found.since},
    )


def check_registry(client: httpx.Client, base: str, token: str, tags: list[str]) -> Check:
    """The registry lists at least one instance of every expected tag."""
    if not token:
        return False, "no REGISTRY_READ_TOKEN (a workers:read JWT) to ask the registry with", {}
    r = client.get(base.rstrip("/") + "/v1/workers", headers={"Authorization": f"Bearer {token}"})
    if r.status_code != 200:
        return False, f"GET /v1/workers -> HTTP {r.status_code}", {}
    seen = {t["tag"]: len(t.get("instances", [])) for t in r.json().get("tags", [])}
    missing = [t for t in tags if not seen.get(t)]
    if missing:
        return False, f"no instance registered for: {', '.join(missing)}", {"seen": seen}
    return True, f"{len(tags)} tags registered ({sum(seen.get(t, 0) for t in tags)} instances)", {"seen": seen}


def check_redis_aof(redis_url: str) -> Check:
    """Redis persists with AOF (idempotency keys, OAuth tokens and rate-limit state survive a restart)."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=10)
    try:
        info = client.info("persistence")
    finally:
        client.close()
    if int(info.get("aof_enabled", 0)) != 1:
        return False, "appendonly is off: a Redis restart loses idempotency keys, OAuth tokens and quotas", {}
    return True, f"AOF on (last rewrite {info.get('aof_last_bgrewrite_status', '?')})", {"checked_at": time.time()}
