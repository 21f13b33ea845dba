#!/usr/bin/env python3
"""Capacity model: from the figures measured by the benches to the cluster the suite's load needs.

Reads ``bench/capacity.toml`` (measured throughput per replica with the bench line it came from, the suite's monthly
volumes, ANAF's call limits, broker/Redis/PostgreSQL unit costs), optionally overrides measured figures with the
summary lines of a saved bench run (``--bench-log``), and prints, as Markdown:

1. the peak rates of the suite's load (month-end peak over working hours),
2. the replicas and cores each worker tag needs at 1x, with 30 % headroom,
3. the broker, Redis and PostgreSQL sizes,
4. every limited resource's utilisation at 1x, 10x and 100x the load, sorted: what breaks first.

    python scripts/capacity.py [--config bench/capacity.toml] [--bench-log run.txt] [--scale 1 10 100]
"""

from __future__ import annotations

import argparse
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HEADROOM = 0.7  # plan replicas to run at 70 % of their measured throughput

#: bench summary lines -> (section, key) of the figure they measure
SUMMARY_LINES = {
    r"pdf_render: .*?([\d.]+) PDFs/s with \d+ concurrent": ("pdf_render", "per_replica_per_s"),
    r"efactura validate: ([\d.]+) invoices/s per process": ("anaf_efactura", "per_replica_per_s"),
    r"registry heartbeats: ([\d.]+)/s p99": ("registry", "heartbeats_per_s"),
    r"saft_generate: .*?([\d,]+) lines/s with": ("saft", "lines_per_s"),
}


@dataclass(frozen=True)
class Load:
    """Peak rates per second of the suite's business objects."""

    invoices: float
    etransport: float
    emails: float
    pdfs: float


def load_config(path: Path, bench_log: Path | None) -> dict[str, Any]:
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    if bench_log is not None:
        text = bench_log.read_text(encoding="utf-8")
        for pattern, (section, key) in SUMMARY_LINES.items():
            if found := re.search(pattern, text):
                config["measured"][section][key] = float(found.group(1).replace(",", ""))
                config["measured"][section]["source"] = f"{bench_log.name}: {found.group(0)}"
    return config


def peak_load(suite: dict[str, Any], scale: float) -> Load:
    seconds = suite["working_days_per_month"] * suite["peak_hours_per_day"] * 3600
    factor = suite["month_end_peak"] * scale / seconds
    return Load(
        invoices=suite["invoices_per_month"] * factor,
        etransport=suite["etransport_per_month"] * factor,
        emails=suite["emails_per_month"] * factor,
        pdfs=suite["pdfs_per_month"] * factor,
    )


def worker_rates(c: dict[str, Any], load: Load) -> dict[str, float]:
    """Tasks per second each CPU-bound tag must run at the peak (invoices add their PDF and e-mail)."""
    return {
        "pdf_render": load.pdfs,
        "email_send": load.emails + load.invoices * c["anaf"]["invoice_emails_share"],
        "anaf_efactura": load.invoices,
    }


def replicas(c: dict[str, Any], load: Load) -> list[tuple[str, float, float, int, int, int]]:
    """(tag, tasks/s at peak, per replica, replicas, cores, memory MiB) per CPU-bound tag."""
    rows = []
    for tag, rate in worker_rates(c, load).items():
        m = c["measured"][tag]
        n = max(1, math.ceil(rate / (m["per_replica_per_s"] * HEADROOM)))
        rows.append((tag, rate, m["per_replica_per_s"], n, n * m["cores_per_replica"], n * m["memory_mib_per_replica"]))
    return rows


def anaf_calls(c: dict[str, Any], load: Load, *, listing: bool = False) -> float:
    a = c["anaf"]
    per_invoice = a["efactura_calls_per_invoice_listing"] if listing else a["efactura_calls_per_invoice"]
    return load.invoices * per_invoice + load.etransport * a["etransport_calls_per_declaration"]


def utilisation(c: dict[str, Any], scale: float) -> dict[str, float]:
    """Fraction of each hard limit the load uses at ``scale`` (> 1: it breaks)."""
    load = peak_load(c["suite"], scale)
    suite = c["suite"]
    anaf_limit = c["anaf"]["calls_per_minute"] / 60
    # the month-end day's filings spread over 24 h: the backlog a 5-working-day legal deadline lets us drain
    day_spread = suite["peak_hours_per_day"] / 24
    biggest_queue = max(worker_rates(c, load).values())
    instances = sum(r[3] for r in replicas(c, load)) + 9  # the CPU-bound tags plus one of every other tag
    reg = c["measured"]["registry"]
    return {
        "ANAF 1000 calls/min, per-invoice polls, in working hours": anaf_calls(c, load) / anaf_limit,
        "ANAF 1000 calls/min, per-invoice polls, drained over 24 h": anaf_calls(c, load) * day_spread / anaf_limit,
        "ANAF 1000 calls/min, list polling, drained over 24 h": anaf_calls(c, load, listing=True)
        * day_spread
        / anaf_limit,
        "one quorum queue (busiest tag)": biggest_queue / c["broker"]["quorum_msgs_per_s_per_queue"],
        "one registry API process (heartbeats)": instances / reg["heartbeat_interval_s"] / reg["heartbeats_per_s"],
    }


def storage(c: dict[str, Any], scale: float) -> dict[str, float]:
    s, r, p = c["suite"], c["redis"], c["postgres"]
    monthly_tasks = (
        s["pdfs_per_month"] + s["emails_per_month"] + s["invoices_per_month"] * 2 + s["etransport_per_month"]
    ) * scale
    peak_day_tasks = monthly_tasks / s["working_days_per_month"] * s["month_end_peak"]
    results_mib = peak_day_tasks * r["result_bytes"] * r["result_ttl_h"] / 24 / 2**20
    idem_mib = (peak_day_tasks + monthly_tasks / s["working_days_per_month"] * (r["idempotency_ttl_days"] - 1)) * (
        r["idempotency_bytes"] / 2**20
    )
    filings = (s["invoices_per_month"] + s["etransport_per_month"]) * scale
    return {
        "Redis: task results at the peak day (MiB)": results_mib,
        "Redis: idempotency keys, the peak day + 6 average days (MiB)": idem_mib,
        "PostgreSQL: outbox rows per month": filings * p["outbox_rows_per_filing"],
        "PostgreSQL: outbox GiB per year (kept 10 years)": filings * 12 * p["outbox_row_bytes"] / 2**30,
        "PostgreSQL: task-history rows per day (average)": monthly_tasks * p["task_events_per_task"] / 30,
        "PostgreSQL: task-history GiB per 30 days kept": monthly_tasks
        * p["task_events_per_task"]
        * p["task_event_row_bytes"]
        / 2**30,
        "RabbitMQ: peak messages/s (tasks + events)": peak_day_tasks / (s["peak_hours_per_day"] * 3600) * 2,
    }


def render(c: dict[str, Any], scales: list[float]) -> str:
    out: list[str] = []
    load = peak_load(c["suite"], 1)
    out.append("## Peak load (month-end, working hours)\n")
    out.append("| object | per second |\n|---|---|")
    for name, value in vars(load).items():
        out.append(f"| {name} | {value:.1f} |")
    out.append(f"| ANAF API calls | {anaf_calls(c, load):.1f} (limit {c['anaf']['calls_per_minute'] / 60:.1f}) |")
    out.append("\n## Replicas at 1x (70 % of measured throughput)\n")
    out.append(
        "| tag | tasks/s at peak | measured per replica | replicas | cores | memory |\n|---|---|---|---|---|---|"
    )
    for tag, rate, per, n, cores, mem in replicas(c, load):
        out.append(f"| {tag} | {rate:.1f} | {per:g}/s | {n} | {cores} | {mem / 1024:.1f} GiB |")
    out.append("\n## Storage and broker at 1x\n")
    out.append("| item | value |\n|---|---|")
    for name, value in storage(c, 1).items():
        out.append(f"| {name} | {value:,.1f} |")
    out.append("\n## Utilisation of the hard limits (> 100 % breaks)\n")
    out.append("| limit | " + " | ".join(f"{s:g}x" for s in scales) + " |\n|---|" + "---|" * len(scales))
    table = {s: utilisation(c, s) for s in scales}
    for name in sorted(table[scales[0]], key=lambda k: -table[scales[-1]][k]):
        out.append(f"| {name} | " + " | ".join(f"{table[s][name] * 100:.0f} %" for s in scales) + " |")
    first = {s: max(table[s].items(), key=lambda kv: kv[1]) for s in scales}
    out.append("")
    for s in scales:
        name, value = first[s]
        verdict = "breaks" if value > 1 else "holds"
        out.append(f"- at {s:g}x the first limit is **{name}** at {value * 100:.0f} % ({verdict})")
    out.append("\nSources of the measured figures:\n")
    for tag, m in sorted(c["measured"].items()):
        out.append(f"- {tag}: {m['source']}")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "bench" / "capacity.toml")
    parser.add_argument("--bench-log", type=Path, default=None, help="saved bench output whose summary lines win")
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0, 10.0, 100.0])
    args = parser.parse_args()
    print(render(load_config(args.config, args.bench_log), args.scale), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
