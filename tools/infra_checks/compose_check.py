"""Wiring checks on the RESOLVED compose file (`docker-compose config` output on stdin, env files merged in).

Fails when: a service of the platform is missing (RabbitMQ, Redis, PostgreSQL, SeaweedFS, its bucket one-shot,
the registry, beat, the outbox-migrate one-shot, a worker per tag of celeryconfig.QUEUES); Redis runs without AOF;
an image is unpinned or :latest; a worker lacks its REGISTRY_TOKEN, the registry URL, the S3 store
(ARTIFACT_STORE=s3://..., endpoint, keys) or (e-Factura, e-Transport, REGES) its PostgreSQL outbox URL and the
`depends_on: outbox-migrate: service_completed_successfully` gate; a worker mounts a shared artifacts volume; beat
is scaled above one.
Usage: docker-compose -f docker/compose.yaml config | compose_check.py [--celeryconfig celeryconfig.py]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml
from chart_invariants import queue_limits

PLATFORM = ("rabbitmq", "redis", "postgres", "seaweedfs", "artifacts-bucket", "registry", "beat", "outbox-migrate")
OUTBOX = {
    "anaf.efactura": "ANAF_EFACTURA_DATABASE_URL",
    "anaf.etransport": "ANAF_ETRANSPORT_DATABASE_URL",
    "reges": "REGES_DATABASE_URL",
}


def check(services: dict[str, Any], tags: list[str]) -> list[str]:
    errs = [f"no service {name!r}" for name in PLATFORM if name not in services]
    for name, svc in services.items():
        image = str(svc.get("image", ""))
        if image and (":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")):
            errs.append(f"{name}: image {image!r} is not pinned")
    redis_cmd = " ".join(map(str, services.get("redis", {}).get("command", [])))
    if "--appendonly yes" not in redis_cmd:
        errs.append("redis: no AOF (--appendonly yes): idempotency keys, OAuth tokens and quotas would not survive")
    beat = services.get("beat", {})
    if int(beat.get("scale", 1)) != 1 or int(beat.get("deploy", {}).get("replicas", 1)) != 1:
        errs.append("beat: more than one replica")
    if "beat" not in " ".join(map(str, beat.get("command", []))):
        errs.append("beat: does not run `workers-core beat`")
    if services.get("outbox-migrate", {}).get("command", [])[:2] != ["outbox", "migrate"]:
        errs.append("outbox-migrate: does not run `workers-core outbox migrate`")
    for tag in tags:
        slug = tag.replace(".", "-")
        svc = services.get(slug)
        if svc is None:
            errs.append(f"queue {tag}: no service {slug!r}")
            continue
        env = {k: str(v) for k, v in (svc.get("environment") or {}).items()}
        for key in ("REGISTRY_TOKEN", "RMQ_URL", "REDIS_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            if not env.get(key):
                errs.append(f"{slug}: no {key}")
        if not env.get("ARTIFACT_STORE", "").startswith("s3://"):
            errs.append(f"{slug}: ARTIFACT_STORE {env.get('ARTIFACT_STORE')!r} is not an s3:// store")
        if not env.get("AWS_ENDPOINT_URL", "").startswith("http://seaweedfs:"):
            errs.append(f"{slug}: AWS_ENDPOINT_URL does not point at the seaweedfs service")
        if env.get("REGISTRY_URL") != "http://registry:8000":
            errs.append(f"{slug}: REGISTRY_URL is not the registry service")
        if env.get("WORKER_TAG") != tag:
            errs.append(f"{slug}: WORKER_TAG {env.get('WORKER_TAG')!r} != {tag!r}")
        if any("artifacts" in str(v) for v in svc.get("volumes", [])):
            errs.append(f"{slug}: mounts a shared artifacts volume (artifacts belong in the object store)")
        deps = svc.get("depends_on") or {}
        if deps.get("artifacts-bucket", {}).get("condition") != "service_completed_successfully":
            errs.append(f"{slug}: does not wait for the artifacts bucket")
        if tag in OUTBOX:
            url = env.get(OUTBOX[tag], "")
            if not url.startswith("postgresql") or "@postgres:" not in url:
                errs.append(f"{slug}: {OUTBOX[tag]} is not the compose PostgreSQL ({url[:40]!r})")
            if deps.get("outbox-migrate", {}).get("condition") != "service_completed_successfully":
                errs.append(f"{slug}: starts without waiting for outbox-migrate to complete")
    return errs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--celeryconfig", type=Path, default=Path(__file__).resolve().parents[2] / "celeryconfig.py")
    a = ap.parse_args()
    services = (yaml.safe_load(sys.stdin.read()) or {}).get("services", {})
    tags = list(queue_limits(a.celeryconfig))
    errs = check(services, tags)
    for e in errs:
        print(f"FAIL {e}")
    print(f"compose-check: {len(services)} services, {len(tags)} worker tags, {len(errs)} problems")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
