"""Run Alertmanager routing tests: for each case of a YAML list {name, labels, receivers}, call
`amtool config routes test --config.file CONFIG --verify.receivers=<receivers> <labels>` and require exit 0.

Usage: amtool_routes.py ALERTMANAGER.yaml ROUTES_TESTS.yaml   (exit 1 when any case routes elsewhere)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    config, cases_f = argv
    cases = yaml.safe_load(Path(cases_f).read_text())
    failed = 0
    for case in cases:
        labels = [f"{k}={v}" for k, v in case["labels"].items()]
        cmd = [
            "amtool",
            "config",
            "routes",
            "test",
            f"--config.file={config}",
            f"--verify.receivers={','.join(case['receivers'])}",
            *labels,
        ]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv, no shell
        got = res.stdout.strip().splitlines()[0] if res.stdout.strip() else "?"
        ok = res.returncode == 0
        print("PASS" if ok else "FAIL", case["name"], "" if ok else f"(expected {case['receivers']}, got {got})")
        failed += not ok
    print(f"amtool-routes: {len(cases) - failed} passed, {failed} failed")
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
