"""Generate the Grafana dashboards of workers-core (JSON, provisioned from infra/grafana/provisioning/dashboards).

Usage: gen_dashboards.py OUT_DIR [--check]
--check: exit 1 when the committed JSON differs from what this generator produces (the JSON is generated, never
hand-edited). Queries use only the metric names of the worker/registry /metrics contract and the recording
rules of infra/k8s/alertmanager/prometheus-rules.yaml.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DS = {"type": "prometheus", "uid": "${datasource}"}
Q = 'queue_name=~"$queue"'
T = 'tag=~"$tag"'
RI = "$__rate_interval"
SLO = 0.995
BUDGET = round(1 - SLO, 6)


def rate(metric: str, sel: str = Q, by: str = "queue_name", window: str = RI) -> str:
    return f"sum by ({by}) (rate({metric}{{{sel}}}[{window}]))"


def absent_as_zero(a: str, b: str) -> str:
    """`a`, with series that only exist in `b` read as 0 (a counter that never moved has no series)."""
    return f"({a} or 0 * {b})"


def error_ratio(window: str = RI, by: str = "queue_name") -> str:
    failed = rate("celery_task_failed_total", by=by, window=window)
    ok = rate("celery_task_succeeded_total", by=by, window=window)
    f0, s0 = absent_as_zero(failed, ok), absent_as_zero(ok, failed)
    return f"{f0} / ({f0} + {s0})"


class Board:
    def __init__(self) -> None:
        self.panels: list[dict[str, Any]] = []
        self.y = 0
        self.x = 0
        self.next_id = 1

    def row(self, title: str) -> None:
        self._newline()
        self.panels.append(
            {
                "type": "row",
                "id": self._id(),
                "title": title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
                "panels": [],
            }
        )
        self.y += 1

    def panel(
        self,
        title: str,
        targets: list[tuple[str, str]],
        *,
        kind: str = "timeseries",
        unit: str = "short",
        w: int = 12,
        h: int = 8,
        desc: str = "",
        thresholds: list[tuple[str, float | None]] | None = None,
        minv: float | None = None,
        maxv: float | None = None,
    ) -> None:
        if self.x + w > 24:
            self._newline()
        defaults: dict[str, Any] = {"unit": unit}
        if minv is not None:
            defaults["min"] = minv
        if maxv is not None:
            defaults["max"] = maxv
        if thresholds:
            defaults["thresholds"] = {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in thresholds]}
        p: dict[str, Any] = {
            "type": kind,
            "id": self._id(),
            "title": title,
            "description": desc,
            "datasource": DS,
            "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}}
            if kind == "timeseries"
            else {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
            "targets": [
                {"refId": chr(65 + i), "datasource": DS, "expr": e, "legendFormat": lg}
                for i, (e, lg) in enumerate(targets)
            ],
        }
        self.panels.append(p)
        self.x += w
        self._h = max(getattr(self, "_h", 0), h)

    def _newline(self) -> None:
        if self.x:
            self.y += getattr(self, "_h", 0)
        self.x, self._h = 0, 0

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


def dashboard(uid: str, title: str, board: Board, variables: list[dict[str, Any]], tags: list[str]) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": tags,
        "timezone": "utc",
        "editable": False,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "graphTooltip": 1,
        "annotations": {"list": []},
        "links": [],
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "type": "datasource",
                    "query": "prometheus",
                    "label": "Prometheus",
                    "current": {},
                    "hide": 0,
                },
                *variables,
            ]
        },
        "panels": board.panels,
    }


def var(name: str, query: str, label: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DS,
        "query": {"query": query, "refId": f"{name}-var"},
        "definition": query,
        "refresh": 2,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {},
        "sort": 1,
        "hide": 0,
    }


def workers() -> dict[str, Any]:
    b = Board()
    b.row("Throughput and outcome")
    b.panel(
        "Throughput (tasks/s)",
        [
            (rate("celery_task_received_total"), "{{queue_name}} received"),
            (rate("celery_task_succeeded_total"), "{{queue_name}} succeeded"),
        ],
        unit="reqps",
        desc="Tasks received and completed per second, per queue.",
    )
    b.panel(
        "Success rate",
        [(f"1 - ({error_ratio()})", "{{queue_name}}")],
        unit="percentunit",
        minv=0,
        maxv=1,
        thresholds=[("red", None), ("orange", 0.95), ("green", SLO)],
        desc=f"succeeded / (succeeded + failed). SLO {SLO:.1%}.",
    )
    b.panel(
        "Failure rate",
        [(error_ratio(), "{{queue_name}}")],
        unit="percentunit",
        minv=0,
        thresholds=[("green", None), ("red", 0.05)],
        desc="Alert TaskFailureRateHigh at 5 %.",
    )
    b.panel(
        "Failures by exception (tasks/s)",
        [
            (rate("celery_task_failed_total", by="queue_name, exception"), "{{queue_name}} {{exception}}"),
            (rate("celery_task_retried_total"), "{{queue_name}} retried"),
            (rate("celery_task_rejected_total"), "{{queue_name}} rejected"),
        ],
        unit="reqps",
    )
    b.row("Latency")
    for q in ("0.5", "0.95"):
        b.panel(
            f"Task runtime p{int(float(q) * 100)}",
            [
                (
                    f"histogram_quantile({q}, sum by (le, queue_name) (rate(celery_task_runtime_seconds_bucket{{{Q}}}[{RI}])))",
                    "{{queue_name}}",
                )
            ],
            unit="s",
            desc="From the celery_task_runtime_seconds histogram.",
        )
    b.row("Queues")
    b.panel(
        "Queue depth (ready + unacked)",
        [
            (f"max by (queue_name) (celery_queue_length{{{Q}}})", "{{queue_name}}"),
            (f"max by (tag) (queue_depth{{{T}}})", "{{tag}} (registry)"),
        ],
        thresholds=[("green", None), ("red", 1000)],
        desc="Alert QueueBacklogHigh above 1000 for 10 minutes.",
    )
    b.panel(
        "Estimated queue lag (s)",
        [
            (
                f"max by (queue_name) (celery_queue_length{{{Q}}}) / clamp_min({rate('celery_task_succeeded_total')}, 0.001)",
                "{{queue_name}}",
            )
        ],
        unit="s",
        desc="Time to drain the current backlog at the current completion rate.",
    )
    b.panel(
        "Consumers",
        [
            (f"max by (queue_name) (celery_active_consumer_count{{{Q}}})", "{{queue_name}} consumers"),
            (f"sum by (queue_name) (celery_worker_up{{{Q}}})", "{{queue_name}} workers up"),
        ],
    )
    b.panel("Tasks in progress", [(f"sum by (queue_name) (celery_worker_tasks_active{{{Q}}})", "{{queue_name}}")])
    b.row("Workers (registry)")
    b.panel(
        "Registered workers",
        [(f"max by (tag) (worker_count{{{T}}})", "{{tag}}")],
        desc="Alert WorkersMissingFromRegistry when 0 for 5 minutes.",
    )
    b.panel("Worker status", [(f"sum by (tag, status) (worker_status{{{T}}})", "{{tag}} {{status}}")])
    b.panel("Memory", [(f"max by (tag) (worker_memory_usage_bytes{{{T}}})", "{{tag}}")], unit="bytes")
    b.panel(
        "CPU",
        [(f"max by (tag) (worker_cpu_usage{{{T}}})", "{{tag}}")],
        unit="short",
        desc="CPU cores used by the live instances of the tag.",
    )
    b.panel(
        "Heartbeat latency p95",
        [
            (
                f"histogram_quantile(0.95, sum by (le, tag) (rate(heartbeat_latency_seconds_bucket{{{T}}}[{RI}])))",
                "{{tag}}",
            )
        ],
        unit="s",
    )
    b.panel(
        "Failed health checks (/min)",
        [(f"sum by (tag) (rate(failed_health_checks_total{{{T}}}[{RI}])) * 60", "{{tag}}")],
    )
    b.panel(
        "Task duration and success (registry view)",
        [
            (f"max by (tag) (task_duration_seconds{{{T}}})", "{{tag}} duration"),
            (f"min by (tag) (task_success_rate{{{T}}})", "{{tag}} success rate"),
        ],
    )
    b.panel(
        "Worker scrape targets up",
        [('sum by (tag) (up{job="workers-core-worker", tag=~"$queue"})', "{{tag}}")],
        desc="Alert WorkerDown when a target is down for 2 minutes.",
    )
    b.row("Health endpoints and events")
    b.panel(
        "Health app requests (/s)",
        [("sum by (handler, status) (rate(http_requests_total[$__rate_interval]))", "{{handler}} {{status}}")],
        unit="reqps",
    )
    b.panel(
        "Health app latency p95",
        [
            (
                "histogram_quantile(0.95, sum by (le, handler) (rate(http_request_duration_seconds_bucket[$__rate_interval])))",
                "{{handler}}",
            )
        ],
        unit="s",
    )
    b.panel(
        "Events published (/s)",
        [("sum by (event) (rate(workers_core_events_published_total[$__rate_interval]))", "{{event}}")],
        unit="reqps",
        w=24,
    )
    b.row("ANAF OAuth")
    b.panel(
        "Refresh token valid for (days)",
        [
            (
                "(max by (client_id) (anaf_oauth_refresh_token_expiry_timestamp_seconds) - time()) / 86400",
                "{{client_id}}",
            )
        ],
        kind="stat",
        unit="none",
        w=8,
        desc="The 365-day refresh token only a human with the qualified certificate can renew. Alerts: "
        "AnafRefreshTokenExpiresSoon (< 30 days), AnafRefreshTokenExpiryImminent (< 7 days).",
        thresholds=[("red", None), ("orange", 7), ("green", 30)],
    )
    b.panel(
        "Access token valid for (days)",
        [("(max by (client_id) (anaf_oauth_access_token_expiry_timestamp_seconds) - time()) / 86400", "{{client_id}}")],
        kind="stat",
        unit="none",
        w=8,
        desc="Refreshed automatically before it expires (90 days); a falling value means refreshes fail.",
        thresholds=[("red", None), ("green", 1)],
    )
    b.panel(
        "Token calls (/h)",
        [("sum by (grant, result) (rate(anaf_oauth_token_refresh_total[1h])) * 3600", "{{grant}} {{result}}")],
        w=8,
        desc="Calls to ANAF's /token endpoint by outcome: ok, rejected (bad refresh token), error (transport / 5xx).",
    )
    return dashboard(
        "workers-core-workers",
        "workers-core / Workers",
        b,
        [
            var("queue", "label_values(celery_task_received_total, queue_name)", "Queue"),
            var("tag", "label_values(worker_count, tag)", "Tag (registry)"),
        ],
        ["workers-core", "celery"],
    )


def slo() -> dict[str, Any]:
    b = Board()
    ratio30 = error_ratio(window="30d")
    b.row(f"Task success SLO {SLO:.1%} over 30 days")
    b.panel(
        "Task success (30d)",
        [(f"1 - ({ratio30})", "{{queue_name}}")],
        kind="stat",
        unit="percentunit",
        w=8,
        thresholds=[("red", None), ("green", SLO)],
    )
    b.panel(
        "Error budget remaining (30d)",
        [(f"1 - (({ratio30}) / {BUDGET})", "{{queue_name}}")],
        kind="stat",
        unit="percentunit",
        w=8,
        thresholds=[("red", None), ("orange", 0.25), ("green", 0.5)],
        desc=f"1 - observed error ratio / allowed error ratio ({BUDGET}).",
    )
    b.panel(
        "Failed tasks allowed in the rest of the window",
        [
            (
                f"{BUDGET} * (sum by (queue_name) (increase(celery_task_succeeded_total{{{Q}}}[30d])) + sum by (queue_name)"
                f" (increase(celery_task_failed_total{{{Q}}}[30d]))) - sum by (queue_name)"
                f" (increase(celery_task_failed_total{{{Q}}}[30d]))",
                "{{queue_name}}",
            )
        ],
        kind="stat",
        w=8,
    )
    b.panel(
        "Burn rate (1 = budget spent exactly in 30 days)",
        [
            (f"queue_name:celery_task_error_ratio:rate1h{{{Q}}} / {BUDGET}", "{{queue_name}} 1h"),
            (f"queue_name:celery_task_error_ratio:rate6h{{{Q}}} / {BUDGET}", "{{queue_name}} 6h"),
            (f"queue_name:celery_task_error_ratio:rate1d{{{Q}}} / {BUDGET}", "{{queue_name}} 1d"),
        ],
        w=24,
        thresholds=[("green", None), ("orange", 3), ("red", 14.4)],
        desc="Page (TaskErrorBudgetBurnFast) at 14.4x over 1h+5m or 6x over 6h+30m; ticket at 3x / 1x.",
    )
    b.row(f"Worker uptime SLO {SLO:.1%} over 30 days")
    b.panel(
        "Uptime (30d)",
        [('avg by (tag) (avg_over_time(up{job="workers-core-worker", tag=~"$queue"}[30d]))', "{{tag}}")],
        kind="stat",
        unit="percentunit",
        w=12,
        thresholds=[("red", None), ("green", SLO)],
    )
    b.panel(
        "Uptime error budget remaining (30d)",
        [
            (
                f'1 - ((1 - avg by (tag) (avg_over_time(up{{job="workers-core-worker", tag=~"$queue"}}[30d]))) / {BUDGET})',
                "{{tag}}",
            )
        ],
        kind="stat",
        unit="percentunit",
        w=12,
        thresholds=[("red", None), ("green", 0.5)],
    )
    b.panel(
        "Unavailability (1h / 5m)",
        [
            ('tag:workers_core_worker_unavailability:ratio1h{tag=~"$queue"}', "{{tag}} 1h"),
            ('tag:workers_core_worker_unavailability:ratio5m{tag=~"$queue"}', "{{tag}} 5m"),
        ],
        unit="percentunit",
        w=24,
        thresholds=[("green", None), ("red", 14.4 * BUDGET)],
    )
    return dashboard(
        "workers-core-slo",
        "workers-core / SLO and error budget",
        b,
        [
            var("queue", "label_values(celery_task_received_total, queue_name)", "Queue"),
        ],
        ["workers-core", "slo"],
    )


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    check = "--check" in argv
    stale = 0
    for name, d in (("workers-core-workers.json", workers()), ("workers-core-slo.json", slo())):
        text = json.dumps(d, indent=2, sort_keys=False) + "\n"
        path = out / name
        if check:
            if not path.exists() or path.read_text() != text:
                print(f"FAIL {path} differs from gen_dashboards.py output; regenerate it")
                stale += 1
        else:
            path.write_text(text)
            print(f"wrote {path}")
    if check and not stale:
        print(f"gen-dashboards: {out} up to date")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
