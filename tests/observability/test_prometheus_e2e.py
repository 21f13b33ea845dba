"""End to end with a real Prometheus (Debian package) on loopback: it scrapes a running worker and the registry
using the production alert rules (only `for:` shortened), a worker is killed, and WorkerDown and
WorkersMissingFromRegistry fire with the labels Alertmanager routes on.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.workers import free_port

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "infra/k8s/alertmanager/prometheus-rules.yaml"
PROMETHEUS = shutil.which("prometheus")

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(PROMETHEUS is None, reason="Debian package prometheus is not installed"),
]


class Prometheus:
    def __init__(self, url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.url, self.proc, self.log = url, proc, log

    def api(self, path: str, **params: str) -> Any:
        r = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=5)
        r.raise_for_status()
        return r.json()["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        return list(self.api("query", query=expr)["result"])

    def alerts(self, name: str, state: str = "firing", **labels: str) -> list[dict[str, Any]]:
        return [
            a
            for a in self.api("alerts")["alerts"]
            if a["labels"]["alertname"] == name
            and a["state"] == state
            and all(a["labels"].get(k) == v for k, v in labels.items())
        ]


def fast_rules(dst: Path, for_: str = "2s") -> Path:
    """The production rule file with every alert's `for:` shortened (expressions, labels untouched)."""
    doc = yaml.safe_load(RULES.read_text())
    for group in doc["groups"]:
        group["interval"] = "1s"
        for rule in group["rules"]:
            if "alert" in rule and "for" in rule:
                rule["for"] = for_
    dst.write_text(yaml.safe_dump(doc, sort_keys=False))
    return dst


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Any]:
    procs: list[subprocess.Popen[bytes]] = []

    def _start(worker_target: str, worker_tag: str, registry_target: str) -> Prometheus:
        port = free_port()
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(fast_rules(tmp_path / "rules.yaml"))],
            "scrape_configs": [
                {
                    "job_name": "workers-core-worker",
                    "static_configs": [{"targets": [worker_target], "labels": {"tag": worker_tag}}],
                },
                {"job_name": "workers-core-registry", "static_configs": [{"targets": [registry_target]}]},
            ],
        }
        cfg = tmp_path / "prometheus.yml"
        cfg.write_text(yaml.safe_dump(config))
        check = subprocess.run(["promtool", "check", "config", str(cfg)], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
        log = tmp_path / "prometheus.log"
        with log.open("wb") as fh:
            proc = subprocess.Popen(
                [
                    str(PROMETHEUS),
                    f"--config.file={cfg}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--log.level=warn",
                ],
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        procs.append(proc)
        prom = Prometheus(f"http://127.0.0.1:{port}", proc, log)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{prom.url}/-/ready", timeout=1).status_code == 200:
                    return prom
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prometheus did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)

    yield _start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _until(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.5)


def test_worker_killed_fires_worker_down_and_missing_from_registry(start_worker, registry_server, prometheus) -> None:
    env = {"REGISTRY_URL": registry_server.url, "REGISTRY_TOKEN": registry_server.token, "HEARTBEAT_INTERVAL": "1"}
    worker = start_worker("ocr", env=env)
    prom = prometheus(worker.health_url.removeprefix("http://"), "ocr", registry_server.url.removeprefix("http://"))

    # Healthy: both targets scraped, the worker consumes, the registry counts it, no availability alert.
    _until(lambda: prom.query('up{job="workers-core-worker",tag="ocr"} == 1'), 30, "the worker target to be up")
    _until(lambda: prom.query('up{job="workers-core-registry"} == 1'), 30, "the registry target to be up")
    _until(lambda: prom.query('celery_worker_up{queue_name="ocr"} == 1'), 30, "celery_worker_up == 1")
    _until(lambda: prom.query('worker_count{tag="ocr"} == 1'), 30, "the registry to count the worker")
    time.sleep(3)  # longer than the shortened `for:`
    assert prom.alerts("WorkerDown", "firing") == [] and prom.alerts("WorkerDown", "pending") == []
    # (the registry reports worker_count 0 for every tag without workers, so only the ocr tag must be quiet)
    assert prom.alerts("WorkersMissingFromRegistry", "firing", tag="ocr") == []

    worker.kill()  # SIGKILL to the whole process group: no unregister, like a node crash

    down = _until(lambda: prom.alerts("WorkerDown"), 60, "WorkerDown to fire")
    assert down[0]["labels"] | {"instance": "?"} == {
        "alertname": "WorkerDown",
        "job": "workers-core-worker",
        "tag": "ocr",
        "instance": "?",
        "severity": "critical",
        "team": "workers-core",
    }
    assert down[0]["labels"]["instance"] == worker.health_url.removeprefix("http://")
    assert down[0]["annotations"]["summary"] == f"Worker {down[0]['labels']['instance']} (ocr) is down"

    missing = _until(
        lambda: prom.alerts("WorkersMissingFromRegistry", tag="ocr"), 90, "WorkersMissingFromRegistry{tag=ocr} to fire"
    )
    assert missing[0]["labels"]["severity"] == "critical"
    assert prom.alerts("RegistryDown", "firing") == []
