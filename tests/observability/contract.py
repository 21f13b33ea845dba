"""The metric contract: every metric (and label) that a dashboard, alert/recording rule, autoscaler trigger or
Rollout analysis queries, extracted from the real files with a PromQL parser, checked against real /metrics.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import promql_parser as pp
import yaml
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "infra/k8s/alertmanager/prometheus-rules.yaml"
DASHBOARDS = sorted((REPO / "infra/grafana/provisioning/dashboards").glob("*.json"))
HELM = REPO / "infra/helm"
INFRA_PY = REPO / ".venv-infra/bin/python"

#: Labels Prometheus or the ServiceMonitor relabelling attach to every target; the app never exports them.
TARGET_LABELS = {"job", "instance", "pod", "namespace", "tag_target", "rollouts_pod_template_hash"}
#: Series Prometheus itself creates per target.
SYNTHETIC = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
#: Exported only by the ANAF workers (they hold the OAuth token): checked against a real ``anaf.efactura`` worker in
#: tests/anaf_efactura/test_tasks.py, not against the generic worker the contract test starts.
ANAF_PREFIX = "anaf_"
GRAFANA_MACROS = {r"\$__rate_interval": "5m", r"\$__interval": "1m", r"\$__range": "1h"}


@dataclass
class Use:
    """One metric as queried somewhere: the labels the query needs on it, and where."""

    metric: str
    labels: set[str] = field(default_factory=set)
    where: set[str] = field(default_factory=set)


def _grafana_to_promql(expr: str) -> str:
    for pat, rep in GRAFANA_MACROS.items():
        expr = re.sub(pat, rep, expr)
    return re.sub(r"\$\{?(\w+)(:\w+)?\}?", "x", expr)


def _walk(node: Any, inherited: frozenset[str]) -> Iterator[tuple[str, set[str]]]:
    """Yield (metric name, labels needed) for every vector selector; `by (...)`/`on (...)` labels flow down."""
    if isinstance(node, pp.VectorSelector):
        names = {m.name for m in node.matchers.matchers if m.name != "__name__"}
        yield node.name, names | set(inherited)
    elif isinstance(node, pp.MatrixSelector):
        yield from _walk(node.vector_selector, inherited)
    elif isinstance(node, pp.AggregateExpr):
        mod = node.modifier
        extra = set(mod.labels) if mod is not None and mod.type == pp.AggModifierType.By else set()
        yield from _walk(node.expr, inherited | extra)
        if node.param is not None:
            yield from _walk(node.param, inherited)
    elif isinstance(node, pp.BinaryExpr):
        mod = node.modifier
        extra: set[str] = set()
        if mod is not None and mod.matching is not None and mod.matching.type == pp.LabelModifierType.Include:
            extra = set(mod.matching.labels)
        yield from _walk(node.lhs, inherited | extra)
        yield from _walk(node.rhs, inherited | extra)
    elif isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
        yield from _walk(node.expr, inherited)
    elif isinstance(node, pp.Call):
        for arg in node.args:
            yield from _walk(arg, inherited)


def selectors(expr: str) -> list[tuple[str, set[str]]]:
    return list(_walk(pp.parse(expr), frozenset()))


def rule_uses() -> tuple[dict[str, Use], set[str]]:
    """Uses in the alert/recording rules, and the set of recording-rule names (resolved, not scraped)."""
    uses: dict[str, Use] = {}
    recorded: set[str] = set()
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            where = f"rule {rule.get('alert') or rule.get('record')}"
            if "record" in rule:
                recorded.add(rule["record"])
            _add(uses, selectors(rule["expr"]), where)
    return uses, recorded


def dashboard_uses() -> dict[str, Use]:
    uses: dict[str, Use] = {}
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        stack = list(board.get("panels", []))
        while stack:
            panel = stack.pop()
            stack += panel.get("panels", [])
            for t in panel.get("targets", []):
                if t.get("expr"):
                    _add(uses, selectors(_grafana_to_promql(t["expr"])), f"{path.name} panel {panel.get('title')!r}")
        for var in board.get("templating", {}).get("list", []):
            q = var.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", q or "")
            if m:
                _add(uses, [(m.group(1), {m.group(2)})], f"{path.name} variable ${var['name']}")
    return uses


def rendered_chart(out_dir: Path) -> list[dict[str, Any]]:
    """Render every release (and CI variant) with the tool venv's helm SDK; return every object."""
    subprocess.run(
        [str(INFRA_PY), str(REPO / "tools/infra_checks/releases.py"), str(HELM), str(out_dir), "--no-reject"],
        check=True,
        capture_output=True,
    )
    return [d for f in sorted(out_dir.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]


def chart_uses(objects: Iterable[dict[str, Any]]) -> dict[str, Use]:
    """Prometheus queries of Rollout AnalysisTemplates, KEDA prometheus triggers and HPA custom metrics."""
    uses: dict[str, Use] = {}
    for obj in objects:
        kind, name = obj["kind"], obj["metadata"]["name"]
        if kind in ("AnalysisTemplate", "ClusterAnalysisTemplate"):
            for metric in obj["spec"]["metrics"]:
                query = metric["provider"]["prometheus"]["query"]
                query = re.sub(r"\{\{\s*args\.[\w-]+\s*\}\}", "x", query)
                _add(uses, selectors(query), f"{kind}/{name} metric {metric['name']}")
        elif kind in ("ScaledObject", "ScaledJob"):
            for trig in obj["spec"].get("triggers", []):
                if trig["type"] == "prometheus":
                    _add(uses, selectors(trig["metadata"]["query"]), f"{kind}/{name} prometheus trigger")
        elif kind == "HorizontalPodAutoscaler":
            for m in obj["spec"].get("metrics", []):
                spec = m.get(m["type"][0].lower() + m["type"][1:], {})
                metric = spec.get("metric", {}).get("name")
                if metric:
                    _add(uses, [(metric, set())], f"HPA/{name} {m['type']} metric")
    return uses


def _add(uses: dict[str, Use], found: Iterable[tuple[str, set[str]]], where: str) -> None:
    for metric, labels in found:
        use = uses.setdefault(metric, Use(metric))
        use.labels |= labels
        use.where.add(where)


def merge(*maps: dict[str, Use]) -> dict[str, Use]:
    out: dict[str, Use] = {}
    for m in maps:
        for u in m.values():
            _add(out, [(u.metric, u.labels)], "")
            out[u.metric].where |= u.where
            out[u.metric].where.discard("")
    return out


def scrape_index(texts: Iterable[str]) -> tuple[dict[str, set[frozenset[str]]], set[str]]:
    """Sample name -> label-key sets seen, and every declared family name (with and without suffixes)."""
    samples: dict[str, set[frozenset[str]]] = defaultdict(set)
    declared: set[str] = set()
    for text in texts:
        for fam in text_string_to_metric_families(text):
            declared |= {fam.name, f"{fam.name}_total", f"{fam.name}_bucket", f"{fam.name}_sum", f"{fam.name}_count"}
            for s in fam.samples:
                samples[s.name].add(frozenset(s.labels))
    return samples, declared


def violations(uses: dict[str, Use], recorded: set[str], texts: Iterable[str]) -> list[str]:
    """What the queries need that the scraped /metrics do not provide (empty list = contract holds)."""
    samples, declared = scrape_index(texts)
    problems = []
    for metric, use in sorted(uses.items()):
        if metric in SYNTHETIC:
            continue
        if ":" in metric:
            if metric not in recorded:
                problems.append(f"{metric}: recording rule not defined (used by {sorted(use.where)})")
            continue
        where = ", ".join(sorted(use.where))
        if metric not in samples:
            state = "declared but has no samples" if metric in declared else "not exported"
            problems.append(f"{metric}: {state} (used by {where})")
            continue
        need = use.labels - TARGET_LABELS
        if need and not any(need <= keys for keys in samples[metric]):
            have = sorted({k for keys in samples[metric] for k in keys})
            problems.append(f"{metric}: no series carries labels {sorted(need)} (has {have}; used by {where})")
    return problems
