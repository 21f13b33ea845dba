#!/usr/bin/env bash
# Set up (bootstrap.sh) and run the test-suite against real RabbitMQ, Redis, PostgreSQL, Chromium, SMTP.
# Default: every test not marked slow. `scripts/test.sh -m slow` runs the slow suites; extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
# the offline infra validators the infra self-tests and the metric contract use (idempotent, seconds when present)
scripts/ci-infra-setup.sh
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-m "not slow")
set +e
.venv/bin/python -m pytest -p no:cacheprovider --durations=30 "${args[@]}"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "test.sh: no tests collected"; exit 0; fi
exit "$rc"
