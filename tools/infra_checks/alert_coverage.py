"""Require a promtool unit test for every alert: at least one alert_rule_test where it fires (non-empty
exp_alerts) and one where it must stay silent (empty exp_alerts).

Usage: alert_coverage.py RULES.yaml TEST.yaml [...]   (exit 1 when an alert lacks either kind of test)
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    rules_f, *tests = argv
    alerts = {
        r["alert"] for g in yaml.safe_load(Path(rules_f).read_text())["groups"] for r in g["rules"] if "alert" in r
    }
    fires: set[str] = set()
    silent: set[str] = set()
    for t in tests:
        for case in yaml.safe_load(Path(t).read_text()).get("tests", []):
            for art in case.get("alert_rule_test", []):
                (fires if art.get("exp_alerts") else silent).add(art["alertname"])
    problems = [f"{a}: no test where it fires" for a in sorted(alerts - fires)]
    problems += [f"{a}: no test where it stays silent" for a in sorted(alerts - silent)]
    problems += [f"{a}: tested but not defined in {rules_f}" for a in sorted((fires | silent) - alerts)]
    for p in problems:
        print(f"FAIL {p}")
    print(f"alert-coverage: {len(alerts)} alerts, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
