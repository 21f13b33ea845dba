"""The k6 load set (``bench/load.py``): the full nine-tag run (slow) and a bounded smoke run of two cheap tags that
really checks k6's SLO thresholds, the follow-to-final check and the Prometheus cross-check; plus the autoscaling
replay's formulas (KEDA's triggers of the chart, the HPA behaviour, the registry's hints) on recorded series."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench.load_replay import Chart, hints, keda

REPO = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"^load SLO: (\d+)/(\d+) tags within thresholds, error rate ([0-9.]+) %$")


def run_load(*args: str, timeout: float) -> tuple[int, list[str]]:
    """Run bench/load.py; on a timeout (ours or pytest-timeout's) SIGTERM it, so that it stops its workers,
    gateway and Prometheus and deletes its vhost and database before this test gives up."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "bench" / "load.py"), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        proc.terminate()
        proc.communicate(timeout=90)
        raise
    if err:
        print(err[-4000:], file=sys.stderr)
    return proc.returncode, out.splitlines()  # the summary line is stdout's last


def verdicts(lines: list[str]) -> dict[str, str]:
    """tag -> PASS / MISS from the results table (tag, single, p50, p95, target, sent, ok, err, open, verdict)."""
    return {p[0]: p[9] for p in (line.split() for line in lines) if len(p) >= 10 and p[9] in ("PASS", "MISS")}


@pytest.mark.timeout(180)
def test_smoke_two_tags_meet_their_slo_and_prometheus_agrees_with_k6() -> None:
    """notify.slack and reges, 3 VUs x 9 tasks each: every task SUCCESS and final, p95 under the target,
    Prometheus's succeeded count per task name equal to k6's, queue back to 0 (under a minute in all)."""
    started = time.monotonic()
    code, lines = run_load(
        "--tags", "notify.slack,reges", "--vus", "3", "--iterations", "9", "--single", "0", timeout=120
    )
    text = "\n".join(lines)
    assert SUMMARY.match(lines[-1]), text[-3000:]
    passed, total, error_rate = SUMMARY.match(lines[-1]).groups()  # type: ignore[union-attr]
    assert (passed, total, float(error_rate)) == ("2", "2", 0.0), text[-3000:]
    assert code == 0
    assert verdicts(lines) == {"notify.slack": "PASS", "reges": "PASS"}, text[-3000:]
    assert "cross-check:" not in text
    rows = {line.split()[0]: line.split() for line in lines if line.split()[:1] in (["notify.slack"], ["reges"])}
    for tag in ("notify.slack", "reges"):
        sent, ok, err, still_open = (int(v) for v in rows[tag][5:9])
        assert (sent, ok, err, still_open) == (9, 9, 0, 0), rows[tag]
    assert any(line.startswith("replay notify.slack") for line in lines)
    print(f"load smoke: {time.monotonic() - started:.0f}s")


@pytest.mark.slow
@pytest.mark.timeout(2100)
def test_full_load_set_all_nine_tags_within_thresholds() -> None:
    code, lines = run_load(timeout=1800)
    text = "\n".join(lines)
    print(text[-12000:])
    match = SUMMARY.match(lines[-1])
    assert match is not None, text[-3000:]
    assert match.groups()[:2] == ("9", "9") and float(match.group(3)) == 0.0, text[-6000:]
    assert code == 0


def _samples(depths: list[int], cpu_per_s: float, done_per_s: float, step: float = 5.0) -> list[dict[str, Any]]:
    return [
        {
            "at": 1000 + i * step,
            "depth": d,
            "active": 0,
            "completed": i * step * done_per_s,
            "cpu": i * step * cpu_per_s,
        }
        for i, d in enumerate(depths)
    ]


def test_keda_replay_follows_the_chart_triggers_and_hpa_behaviour() -> None:
    chart = Chart.of("email.send")  # chart defaults: 1-10 replicas, queueLength 100, CPU 70 % of 250m
    assert (chart.min_replicas, chart.max_replicas, chart.queue_length, chart.cpu_request) == (1, 10, 100, 0.25)
    # queue trigger: ceil(depth / 100); scale-up by at most max(2x, +4) per 15 s (samples every 5 s); idle CPU
    replicas, _ = keda(chart, _samples([0, 250, 950, 950, 950, 950, 950, 950], cpu_per_s=0.0, done_per_s=1.0))
    assert replicas == [1, 3, 3, 3, 7, 7, 7, 10]
    # scale-down: the highest recommendation of the 300 s stabilisation window, then one pod a minute
    down, _ = keda(chart, _samples([950] + [0] * 80, cpu_per_s=0.0, done_per_s=1.0))
    assert (down[0], down[60], down[61], down[72], down[73]) == (5, 5, 4, 4, 3)
    # CPU trigger alone: 0.35 cores on a 0.25-core request = 140 % -> ceil(140 / 70) = 2
    cpu_only, util = keda(chart, _samples([0, 0, 0], cpu_per_s=0.35, done_per_s=1.0), queue_trigger=False)
    assert cpu_only == [1, 2, 2] and round(util[1]) == 140


def test_registry_hints_replay_uses_the_advisors_formula() -> None:
    # a replica finishing 2 tasks/s with a steady backlog of 600: ceil(2/2 + 600 / (2 x 300)) = 2
    assert hints("email.send", _samples([600, 600, 600], cpu_per_s=0.0, done_per_s=2.0))[1:] == [2, 2]
    # an empty queue and no arrivals: the minimum
    assert hints("email.send", _samples([0, 0, 0], cpu_per_s=0.0, done_per_s=0.0)) == [1, 1, 1]
