"""Gate a `trivy image --format json` report on vulnerability counts (release policy: CRITICAL=0, HIGH<=3,
MEDIUM<=15). Trivy's own --exit-code can only gate on "any finding of these severities", not on counts.

Usage: trivy_gate.py REPORT.json [--critical 0] [--high 3] [--medium 15]   (exit 1 when a limit is exceeded)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", type=Path)
    ap.add_argument("--critical", type=int, default=0)
    ap.add_argument("--high", type=int, default=3)
    ap.add_argument("--medium", type=int, default=15)
    a = ap.parse_args()
    data = json.loads(a.report.read_text())
    if "Results" not in data:
        print(f"FAIL {a.report}: not a trivy JSON report (no Results)")
        return 1
    seen: set[tuple[str, str, str]] = set()
    counts: Counter[str] = Counter()
    for result in data.get("Results") or []:
        for v in result.get("Vulnerabilities") or []:
            key = (v.get("VulnerabilityID", ""), v.get("PkgName", ""), v.get("InstalledVersion", ""))
            if key not in seen:
                seen.add(key)
                counts[v.get("Severity", "UNKNOWN")] += 1
    limits = {"CRITICAL": a.critical, "HIGH": a.high, "MEDIUM": a.medium}
    over = {sev: (counts[sev], lim) for sev, lim in limits.items() if counts[sev] > lim}
    print(
        "trivy-gate: "
        + ", ".join(f"{s}={counts[s]} (max {lim})" for s, lim in limits.items())
        + f", LOW={counts['LOW']}"
    )
    for sev, (n, lim) in over.items():
        print(f"FAIL {sev}: {n} > {lim}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
