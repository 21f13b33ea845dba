"""Semantic checks on a rendered workers-core chart that schemas cannot express.

Usage: chart_invariants.py RENDERED.yaml [--celeryconfig celeryconfig.py] [--require-all-queues]

Checks: one autoscaler per worker workload (never a ScaledObject and an HPA on the same target); KEDA RabbitMQ
triggers use protocol http and the workload's own queue; grace period above the queue's hard time limit + soft
shutdown; probes on /healthz and /readyz; metrics port 9800 named "metrics"; non-root, no :latest; a PDB and a
Service per workload; ServiceMonitors select existing Services and ports; every Secret referenced by a pod is made
by an ExternalSecret; every queue of celeryconfig.QUEUES has a workload (with --require-all-queues, over all the
files given: one file per release); worker pods get ARTIFACT_STORE=s3://... and REGISTRY_URL; a release with an
outbox database runs `outbox migrate` in a pre-install/pre-upgrade hook Job; the beat Deployment is a singleton
(replicas 1, Recreate).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

SOFT_SHUTDOWN_S = 30
WORKLOAD_KINDS = {"Deployment", "Rollout"}


def queue_limits(celeryconfig: Path) -> dict[str, int]:
    """Hard time limit per queue, read from the QueueSpec(...) literals of celeryconfig.py without importing it."""
    limits: dict[str, int] = {}
    for node in ast.walk(ast.parse(celeryconfig.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "QueueSpec" and len(node.args) >= 5:
            try:
                tag, time_limit = ast.literal_eval(node.args[0]), ast.literal_eval(node.args[4])
            except ValueError:
                continue
            limits[tag] = int(time_limit)
    return limits


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    kind, spec = obj["kind"], obj.get("spec", {})
    found: dict[str, Any] | None = None
    if kind in WORKLOAD_KINDS | {"Job", "StatefulSet", "DaemonSet"}:
        found = spec.get("template", {}).get("spec")
    elif kind == "ScaledJob":
        found = spec.get("jobTargetRef", {}).get("template", {}).get("spec")
    elif kind == "Pod":
        found = spec
    return found


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: str(e.get("value", "")) for e in container.get("env", [])}


def check_release(objs: list[dict[str, Any]]) -> list[str]:
    """Per-release wiring: object store, registry URL, outbox migration hook, beat singleton."""
    errs: list[str] = []
    for o in objs:
        if o["kind"] not in WORKLOAD_KINDS:
            continue
        oid = f"{o['kind']}/{o['metadata']['name']}"
        labels = o["metadata"].get("labels", {})
        c = o["spec"]["template"]["spec"]["containers"][0]
        env = env_of(c)
        if labels.get("app.kubernetes.io/component") == "beat":
            if o["spec"].get("replicas") != 1 or o["spec"].get("strategy", {}).get("type") != "Recreate":
                errs.append(f"{oid}: beat must be one replica with strategy Recreate")
        if "workers-core.io/queue" not in labels:
            continue
        if not env.get("ARTIFACT_STORE", "").startswith("s3://"):
            errs.append(f"{oid}: ARTIFACT_STORE is not an s3:// store ({env.get('ARTIFACT_STORE')!r})")
        if not env.get("REGISTRY_URL", "").startswith("http"):
            errs.append(f"{oid}: no REGISTRY_URL")
        db = [
            r["secretRef"]["name"]
            for r in c.get("envFrom", [])
            if r.get("secretRef", {}).get("name", "").endswith("-database")
        ]
        if db:
            hooks = [
                j
                for j in objs
                if j["kind"] == "Job"
                and "pre-install" in j["metadata"].get("annotations", {}).get("helm.sh/hook", "")
                and "pre-upgrade" in j["metadata"].get("annotations", {}).get("helm.sh/hook", "")
                and j["spec"]["template"]["spec"]["containers"][0].get("args", [])[:2] == ["outbox", "migrate"]
            ]
            if not hooks:
                errs.append(f"{oid}: reads an outbox database but no pre-install/pre-upgrade `outbox migrate` hook Job")
    return errs


def check(objs: list[dict[str, Any]], limits: dict[str, int], require_all: bool) -> list[str]:
    errs: list[str] = []
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for o in objs:
        by_kind.setdefault(o["kind"], []).append(o)
    workloads = [o for o in objs if o["kind"] in WORKLOAD_KINDS]
    services = by_kind.get("Service", [])
    secrets_made = {es["spec"]["target"]["name"] for es in by_kind.get("ExternalSecret", [])}
    es_enabled = bool(secrets_made)

    targets = Counter(
        (o["spec"]["scaleTargetRef"].get("kind", "Deployment"), o["spec"]["scaleTargetRef"]["name"])
        for o in by_kind.get("ScaledObject", []) + by_kind.get("HorizontalPodAutoscaler", [])
    )
    for (kind, name), n in targets.items():
        if n > 1:
            errs.append(f"{kind}/{name}: {n} autoscalers (ScaledObject and HPA must never share a target)")
        if not any(w["kind"] == kind and w["metadata"]["name"] == name for w in workloads):
            errs.append(f"autoscaler targets {kind}/{name}, which is not rendered")

    for so in by_kind.get("ScaledObject", []):
        name = so["metadata"]["name"]
        spec = so["spec"]
        target = next((w for w in workloads if w["metadata"]["name"] == spec["scaleTargetRef"]["name"]), None)
        queue = (target or {}).get("metadata", {}).get("labels", {}).get("workers-core.io/queue")
        rabbit = [t for t in spec.get("triggers", []) if t["type"] == "rabbitmq"]
        if not rabbit:
            errs.append(f"ScaledObject/{name}: no rabbitmq trigger")
        for t in rabbit:
            md = t.get("metadata", {})
            if md.get("protocol") != "http":
                errs.append(f"ScaledObject/{name}: rabbitmq protocol {md.get('protocol')!r} (http counts unacked)")
            if queue and md.get("queueName") != queue:
                errs.append(f"ScaledObject/{name}: queueName {md.get('queueName')!r} != workload queue {queue!r}")
            if "authenticationRef" not in t:
                errs.append(f"ScaledObject/{name}: rabbitmq trigger without authenticationRef")
        if spec.get("minReplicaCount", 0) < 1:
            errs.append(f"ScaledObject/{name}: minReplicaCount < 1 (CPU trigger cannot scale from zero)")

    for w in workloads:
        name = w["metadata"]["name"]
        labels = w["metadata"].get("labels", {})
        queue = labels.get("workers-core.io/queue")
        spec = w["spec"]
        tpl_labels = spec["template"]["metadata"].get("labels", {})
        has_autoscaler = targets.get((w["kind"], name), 0) > 0
        if not has_autoscaler and "replicas" not in spec:
            errs.append(f"{w['kind']}/{name}: neither an autoscaler nor replicas")
        if has_autoscaler and "replicas" in spec:
            errs.append(f"{w['kind']}/{name}: replicas set although autoscaled (fights the autoscaler)")
        singleton = spec.get("replicas") == 1 and spec.get("strategy", {}).get("type") == "Recreate"
        if singleton and not any(c.get("ports") for c in spec["template"]["spec"]["containers"]):
            continue  # beat: one pod, nothing to disrupt gracefully or to serve
        if not any(
            matches(p["spec"]["selector"]["matchLabels"], tpl_labels) for p in by_kind.get("PodDisruptionBudget", [])
        ):
            errs.append(f"{w['kind']}/{name}: no PodDisruptionBudget selects its pods")
        if not any(matches(s["spec"].get("selector", {}), tpl_labels) for s in services):
            errs.append(f"{w['kind']}/{name}: no Service selects its pods")
        ps = spec["template"]["spec"]
        if queue is not None:
            grace = ps.get("terminationGracePeriodSeconds", 30)
            limit = limits.get(queue)
            if limit is not None and grace <= limit + SOFT_SHUTDOWN_S:
                errs.append(
                    f"{w['kind']}/{name}: terminationGracePeriodSeconds {grace} <= time limit {limit}"
                    f" + soft shutdown {SOFT_SHUTDOWN_S}s of queue {queue}"
                )
            c = ps["containers"][0]
            ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
            if ports.get("metrics") != 9800:
                errs.append(f"{w['kind']}/{name}: container port 'metrics' must be 9800, got {ports}")
            for probe, path in (
                ("livenessProbe", "/healthz"),
                ("readinessProbe", "/readyz"),
                ("startupProbe", "/healthz"),
            ):
                got = c.get(probe, {}).get("httpGet", {}).get("path")
                if got != path:
                    errs.append(f"{w['kind']}/{name}: {probe} path {got!r}, expected {path!r}")

    for o in objs:
        ps = pod_spec(o)
        if ps is None:
            continue
        oid = f"{o['kind']}/{o['metadata']['name']}"
        if not ps.get("securityContext", {}).get("runAsNonRoot"):
            errs.append(f"{oid}: pod securityContext.runAsNonRoot is not true")
        for c in ps.get("containers", []) + ps.get("initContainers", []):
            image = c.get("image", "")
            last = image.rsplit("/", 1)[-1]
            if "@sha256:" not in image and (":" not in last or last.endswith(":latest")):
                errs.append(f"{oid}: container {c['name']} image {image!r} is untagged or :latest")
            if not c.get("resources", {}).get("limits", {}).get("memory"):
                errs.append(f"{oid}: container {c['name']} has no memory limit")
            if c.get("securityContext", {}).get("allowPrivilegeEscalation") is not False:
                errs.append(f"{oid}: container {c['name']} allows privilege escalation")
            for ref in c.get("envFrom", []):
                sec = ref.get("secretRef", {}).get("name")
                if sec and es_enabled and sec not in secrets_made:
                    errs.append(f"{oid}: secret {sec!r} is not produced by any ExternalSecret")

    for sm in by_kind.get("ServiceMonitor", []):
        sel = sm["spec"]["selector"].get("matchLabels", {})
        chosen = [s for s in services if matches(sel, s["metadata"].get("labels", {}))]
        if not chosen:
            errs.append(f"ServiceMonitor/{sm['metadata']['name']}: selects no Service")
        for ep in sm["spec"]["endpoints"]:
            for s in chosen:
                if ep.get("port") not in {p.get("name") for p in s["spec"]["ports"]}:
                    errs.append(
                        f"ServiceMonitor/{sm['metadata']['name']}: Service {s['metadata']['name']} has no"
                        f" port {ep.get('port')!r}"
                    )
    return errs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rendered", nargs="+")
    ap.add_argument("--celeryconfig", type=Path, default=Path("celeryconfig.py"))
    ap.add_argument("--require-all-queues", action="store_true")
    a = ap.parse_args()
    limits = queue_limits(a.celeryconfig) if a.celeryconfig.exists() else {}
    if a.require_all_queues and not limits:
        print(f"FAIL no QueueSpec found in {a.celeryconfig}")
        return 1
    failed = 0
    queues: set[str] = set()
    for f in a.rendered:
        objs = [d for d in yaml.safe_load_all(Path(f).read_text()) if d]
        errs = check(objs, limits, a.require_all_queues) + check_release(objs)
        queues |= {
            o["metadata"].get("labels", {}).get("workers-core.io/queue", "")
            for o in objs
            if o["kind"] in WORKLOAD_KINDS
        }
        for e in errs:
            print(f"FAIL {f}: {e}")
        print(f"chart-invariants: {f}: {len(objs)} objects, {len(errs)} problems")
        failed += bool(errs)
    if a.require_all_queues:
        for q in sorted(set(limits) - queues):
            print(f"FAIL queue {q!r} of celeryconfig.QUEUES has no workload in any release")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
