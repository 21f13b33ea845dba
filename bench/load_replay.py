"""Autoscaling, simulated: queue depth, in-flight tasks, completions and worker CPU recorded during the load run,
replayed through (1) the registry's scaling hints (``registry.scaling.ScalingAdvisor`` itself, fed a snapshot and
queue samples like the registry's own jobs make), (2) KEDA's ScaledObject of the worker chart (``rabbitmq``
QueueLength trigger + ``cpu`` trigger, HPA behaviour) and (3) the chart's plain-HPA CPU rule.

KEDA: ``desired = ceil(metric / target)`` per trigger, the largest wins, clamped to ``[minReplicas, maxReplicas]``;
the RabbitMQ trigger over the management API counts ready + unacked messages (recorded here as ready + tasks
executing); CPU: ``ceil(usage / request / target %)`` (the usage one replica carried is the demand). HPA behaviour: scale-up by at most
max(100 %, 4 pods) per 15 s, scale-down to the highest recommendation of the stabilisation window, one pod/60 s.
The run has one replica per tag, so every formula sees the load one replica carried.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.load_stack import Prometheus
from bench.support import cpu_seconds
from registry.config import RegistrySettings
from registry.scaling import ScalingAdvisor
from registry.snapshot import Snapshot
from registry.store import TagData
from shared.broker import queue_depths

__all__ = ["Chart", "Recorder", "replay"]

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Chart:
    """The autoscaling values of one worker release (chart defaults + infra/helm/values/<release>.yaml)."""

    min_replicas: int
    max_replicas: int
    cpu_target: float
    cpu_request: float
    queue_length: int
    scale_down_window: float

    @classmethod
    def of(cls, tag: str) -> Chart:
        base = yaml.safe_load((REPO / "infra/helm/worker/values.yaml").read_text())
        own = yaml.safe_load((REPO / f"infra/helm/values/{tag.replace('.', '-')}.yaml").read_text()) or {}
        auto = {**base["autoscaling"], **own.get("autoscaling", {})}
        keda = {**base["autoscaling"]["keda"], **auto.get("keda", {})}
        resources = {**base["worker"]["resources"], **own.get("worker", {}).get("resources", {})}
        cpu = str(resources["requests"]["cpu"])
        return cls(
            int(auto["minReplicas"]),
            int(auto["maxReplicas"]),
            float(auto["cpuUtilization"]),
            float(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu),
            int(keda["queueLength"]),
            float(auto["scaleDownStabilizationSeconds"]),
        )


@dataclass
class Recorder:
    """A thread sampling every ``interval`` s: per tag ``{at, depth, active, completed, cpu}``."""

    broker_url: str
    prometheus: Prometheus
    pids: dict[str, int]
    interval: float = 2.0
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _sample(self) -> None:
        at = time.time()
        depths = queue_depths(self.broker_url, list(self.pids), timeout=3)
        active = self.prometheus.query("sum by (queue_name) (celery_worker_tasks_active)")
        ok = self.prometheus.query("sum by (queue_name) (celery_task_succeeded_total)")
        failed = self.prometheus.query("sum by (queue_name) (celery_task_failed_total)")
        done = {q: ok.get(q, 0.0) + failed.get(q, 0.0) for q in {*ok, *failed}}
        for tag, pid in self.pids.items():
            self.samples.setdefault(tag, []).append(
                {
                    "at": at,
                    "depth": depths.get(tag, (0, 0))[0],
                    "active": active.get(tag, 0.0),
                    "completed": done.get(tag),
                    "cpu": cpu_seconds(pid),
                }
            )

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self._sample()
            except Exception as exc:
                print(f"replay: sample failed: {exc}")
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def start(self) -> Recorder:
        self._thread = threading.Thread(target=self._loop, name="load-recorder", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)


class _ReplayStore:
    """The three ``HotStore`` calls ``ScalingAdvisor`` makes, over the recorded samples (newest first)."""

    def __init__(self) -> None:
        self.samples: list[dict[str, Any]] = []
        self.state: dict[str, Any] | None = None

    async def queue_samples(self, tag: str) -> list[dict[str, Any]]:
        return self.samples[:64]

    async def scaling_state(self, tag: str) -> dict[str, Any] | None:
        return self.state

    async def save_scaling_state(self, tag: str, state: dict[str, Any]) -> None:
        self.state = dict(state)


def _snapshot(settings: RegistrySettings, tag: str, now: float, depth: int, task_rate: float | None) -> Snapshot:
    record: dict[str, Any] = {
        "tag": tag,
        "instance_id": f"{tag}-load",
        "status": "running",
        "reason": None,
        "last_seen": now,
    }
    scrape = {} if task_rate is None else {"task_rate": task_rate}
    hot = {tag: TagData({record["instance_id"]: record}, {}, {record["instance_id"]: scrape}, {"depth": depth})}
    return Snapshot(settings, now, [], hot)


def hints(tag: str, samples: list[dict[str, Any]], reasons: list[str] | None = None) -> list[int]:
    """The registry's desired replicas at every sample (one live instance, scrape rate from the counters);
    the advisor's reason of each is appended to ``reasons``."""
    settings = RegistrySettings(jwt_secret=secrets.token_urlsafe(48), workers_core_env="test")
    advisor = ScalingAdvisor(settings, _ReplayStore())  # type: ignore[arg-type]
    store: _ReplayStore = advisor.store  # type: ignore[assignment]
    out: list[int] = []
    previous: dict[str, Any] | None = None
    for s in samples:
        rate = None
        if previous is not None and s["completed"] is not None and previous["completed"] is not None:
            rate = max(s["completed"] - previous["completed"], 0.0) / max(s["at"] - previous["at"], 1e-6)
        store.samples.insert(0, {"at": s["at"], "depth": s["depth"], "completed": s["completed"]})
        snap = _snapshot(settings, tag, s["at"], int(s["depth"]), rate)
        hint = asyncio.run(advisor.recommend(snap, tag))
        out.append(int(hint["desired_replicas"]))
        if reasons is not None:
            reasons.append(str(hint["reason"]))
        previous = s
    return out


@dataclass
class _Hpa:
    """HPA behaviour of the chart: immediate-ish scale-up, stabilised one-pod-a-minute scale-down."""

    chart: Chart
    current: int = 1
    history: list[tuple[float, int]] = field(default_factory=list)
    last_up: float = -1e9
    last_down: float = -1e9

    def step(self, at: float, raw: int) -> int:
        raw = min(max(raw, self.chart.min_replicas), self.chart.max_replicas)
        self.history = [(t, r) for t, r in self.history if at - t <= self.chart.scale_down_window] + [(at, raw)]
        if raw > self.current and at - self.last_up >= 15:
            self.current, self.last_up = min(raw, max(2 * self.current, self.current + 4)), at
        elif raw < self.current and at - self.last_down >= 60:
            target = max(r for _, r in self.history)
            if target < self.current:
                self.current, self.last_down = max(target, self.current - 1), at
        return self.current


def keda(chart: Chart, samples: list[dict[str, Any]], *, queue_trigger: bool = True) -> tuple[list[int], list[float]]:
    """Replicas KEDA (or, without the queue trigger, the plain HPA) would ask for; and CPU utilisation %."""
    hpa, out, util = _Hpa(chart), [], []
    for prev, s in zip([samples[0], *samples[:-1]], samples, strict=True):
        span = max(s["at"] - prev["at"], 1e-6)
        usage = max(s["cpu"] - prev["cpu"], 0.0) / span if s is not prev else 0.0
        percent = 100.0 * usage / chart.cpu_request
        # the CPU one replica burnt is the demand: replicas x per-pod utilisation / target = demand / target
        wanted = math.ceil(percent / chart.cpu_target - 1e-9) if percent else chart.min_replicas
        if queue_trigger:
            wanted = max(wanted, math.ceil((s["depth"] + s["active"]) / chart.queue_length))
        out.append(hpa.step(s["at"], wanted))
        util.append(percent)
    return out, util


def replay(tag: str, samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-sample series (t, depth, completion rate, hints, KEDA, HPA CPU) and where hints and KEDA differ."""
    chart = Chart.of(tag)
    t0 = samples[0]["at"]
    rates = [0.0] + [
        max((b["completed"] or 0) - (a["completed"] or 0), 0) / max(b["at"] - a["at"], 1e-6)
        for a, b in itertools.pairwise(samples)
    ]
    series: dict[str, list[Any]] = {
        "t": [round(s["at"] - t0) for s in samples],
        "depth": [int(s["depth"] + s["active"]) for s in samples],
        "rate": rates,
    }
    reasons: list[str] = []
    series["hints"] = hints(tag, samples, reasons)
    series["held"] = [int("cooldown" in r) for r in reasons]
    series["keda"], series["cpu"] = keda(chart, samples)
    series["hpa"], _ = keda(chart, samples, queue_trigger=False)
    return {"tag": tag, "chart": chart, "series": series, "why": _disagreement(chart, series)}


def _disagreement(chart: Chart, s: dict[str, list[Any]]) -> str:
    differ = [i for i, (h, k) in enumerate(zip(s["hints"], s["keda"], strict=True)) if h != k]
    if not differ:
        return "hints and KEDA agree at every sample"
    i = differ[0]
    peak_depth, peak_cpu, peak_hint = max(s["depth"]), max(s["cpu"]), max(s["hints"])
    reasons = []
    if peak_hint > max(s["keda"]) or s["hints"][i] > s["keda"][i]:
        reasons.append(
            f"the hints size for arrivals over the measured per-replica rate (peak {max(s['rate']):.2f}/s) and a "
            f"{peak_depth}-message backlog drained in 300 s, while KEDA's queue trigger wants > {chart.queue_length} "
            "messages per replica before it adds one"
        )
    if peak_cpu > chart.cpu_target and max(s["keda"]) > s["hints"][i]:
        reasons.append(
            f"KEDA's CPU trigger fires (peak {peak_cpu:.0f} % of the {chart.cpu_request:g}-core request, target "
            f"{chart.cpu_target:.0f} %) where the queue is short; the hints never look at CPU"
        )
    held = sum(s["held"])
    if held:
        reasons.append(
            f"the hints held a scale-down for {held} samples (120 s cooldown after a change), KEDA's HPA holds "
            "its own 300 s stabilisation window"
        )
    if not reasons:
        reasons.append("cooldown/stabilisation: the hints hold 120 s after a change, the HPA 300 s and one pod/min")
    return f"differ at {len(differ)}/{len(s['hints'])} samples (first t={s['t'][i]}s): " + "; ".join(reasons)


def render(result: dict[str, Any]) -> list[str]:
    s, chart = result["series"], result["chart"]
    row = "{:<16}" + " {:>4}" * len(s["t"])
    lines = [
        f"replay {result['tag']} (min {chart.min_replicas}, max {chart.max_replicas}, queueLength "
        f"{chart.queue_length}, CPU {chart.cpu_target:.0f} % of {chart.cpu_request:g} core):",
        row.format("  t (s)", *s["t"]),
        row.format("  queued+active", *s["depth"]),
        row.format("  done/s", *(f"{r:.1f}" if r < 10 else f"{r:.0f}" for r in s["rate"])),
        row.format("  CPU % request", *(f"{c:.0f}" for c in s["cpu"])),
        row.format("  hints", *s["hints"]),
        row.format("  KEDA", *s["keda"]),
        row.format("  HPA (CPU)", *s["hpa"]),
        f"  -> {result['why']}",
    ]
    return lines
