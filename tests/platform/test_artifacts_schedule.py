"""Retention as the deployments schedule it: the compose service's command and the Helm CronJob's arguments run
as real ``workers-core`` processes against the SeaweedFS fixture (lifecycle rules land on the bucket) and against
a filesystem store whose files are aged on disk (what is past its kind's period goes, the legal kinds stay).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from shared.artifacts import FilesystemArtifactStore
from tests.support.seaweed import SeaweedServer

REPO = Path(__file__).resolve().parents[2]
CRONJOB = REPO / "infra/helm/beat/templates/retention-cronjob.yaml"


def _compose_service() -> dict[str, Any]:
    compose = yaml.safe_load((REPO / "docker/compose.yaml").read_text())
    service: dict[str, Any] = compose["services"]["artifacts-retention"]
    return service


def _run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ARTIFACT_"))}
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args],
        env={**base, "PYTHONPATH": str(REPO), "WORKERS_CORE_ENV": "test", **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _reports(out: str) -> list[dict[str, Any]]:
    decoder, found, pos = json.JSONDecoder(), [], 0
    while pos < len(out.rstrip()):
        while out[pos].isspace():
            pos += 1
        doc, pos = decoder.raw_decode(out, pos)
        found.append(doc)
    return found


def test_compose_retention_service_applies_the_lifecycle_and_repeats(seaweed: SeaweedServer, s3_bucket: str) -> None:
    service = _compose_service()
    command = [str(c) for c in service["command"]]
    assert command[:3] == ["artifacts", "cleanup", "--lifecycle"] and int(command[command.index("--every") + 1]) > 0
    command[command.index("--every") + 1] = "1"  # a day in compose; a second here, and stop after two passes
    client = seaweed.client()
    client.put_object(Bucket=s3_bucket, Key="compose/render/2026/01/01/x.pdf", Body=b"%PDF")
    env = {
        **seaweed.env,
        "ARTIFACT_STORE": f"s3://{s3_bucket}/compose",
        "ARTIFACT_RETENTION_DAYS": service["environment"]["ARTIFACT_RETENTION_DAYS"],
    }

    started = time.monotonic()
    done = _run([*command, "--passes", "2"], env)
    elapsed = time.monotonic() - started

    assert done.returncode == 0, done.stderr[-2000:]
    reports = _reports(done.stdout)
    assert len(reports) == 2 and all(r["scanned"]["render"] == 1 and r["deleted"]["render"] == 0 for r in reports)
    assert reports[0]["lifecycle_rules"] >= 5 and 1.0 <= elapsed < 60
    rules = client.get_bucket_lifecycle_configuration(Bucket=s3_bucket)["Rules"]
    days = {r["Filter"]["Prefix"]: r["Expiration"]["Days"] for r in rules if "Expiration" in r}
    assert days["compose/render/"] == 7 and days["compose/ocr-input/"] == 7
    assert days["compose/saft/"] == days["compose/efactura-archive/"] == 11 * 366


def test_cronjob_arguments_delete_what_is_past_its_period(tmp_path: Path) -> None:
    template = CRONJOB.read_text()
    assert "- artifacts\n" in template and "- cleanup\n" in template and "- --lifecycle\n" in template
    store = FilesystemArtifactStore(tmp_path / "artifacts")
    old = time.time() - 8 * 86400
    keys = {}
    for kind in ("render", "ocr-input", "saft", "efactura-archive"):
        keys[kind] = store.put(kind.encode(), name=f"{kind}.bin", kind=kind).key
        os.utime(store.root / keys[kind], (old, old))
    fresh = store.put(b"new", name="new.pdf", kind="render").key

    # the CronJob's container: ARTIFACT_RETENTION_DAYS from values/beat.yaml, the lifecycle flag (S3 only: no-op)
    done = _run(
        ["artifacts", "cleanup", "--lifecycle"],
        {"ARTIFACT_STORE": str(store.root), "ARTIFACT_RETENTION_DAYS": '{"render": 7, "ocr-input": 7}'},
    )

    assert done.returncode == 0, done.stderr[-2000:]
    (report,) = _reports(done.stdout)
    assert report["deleted"] == {"efactura-archive": 0, "ocr-input": 1, "probe": 0, "render": 1, "saft": 0}
    assert not store.exists(keys["render"]) and not store.exists(keys["ocr-input"]) and store.exists(fresh)
    assert store.exists(keys["saft"]) and store.exists(keys["efactura-archive"])  # 10 years after their year


def test_a_failed_pass_is_retried_by_the_service_but_fails_a_one_shot(tmp_path: Path) -> None:
    env = {
        "ARTIFACT_STORE": "s3://nowhere/compose",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # discard port: nothing listens
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    periodic = _run(["artifacts", "cleanup", "--every", "1", "--passes", "2"], env)
    assert periodic.returncode == 0 and periodic.stderr.count("cleanup pass failed (next in 1s)") == 2
    once = _run(["artifacts", "cleanup"], env)
    assert once.returncode != 0
