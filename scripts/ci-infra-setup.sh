#!/usr/bin/env bash
# Install the offline infra validators used by scripts/ci-infra-check.sh (idempotent; safe to re-run).
#   apt: promtool/prometheus, amtool/alertmanager, shellcheck, docker-compose (1.29, for `docker-compose config`)
#   pip: .venv-infra from tools/requirements-infra.txt (--require-hashes)
#   npm: tools/k8s-schema (npm ci from the committed package-lock.json)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${INFRA_VENV:-$ROOT/.venv-infra}"
PYTHON="${PYTHON:-python3}"

need_apt=()
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v amtool >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)
command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
if ((${#need_apt[@]})); then
  echo "ci-infra-setup: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

stamp="$VENV/.requirements.sha256"
want="$(sha256sum tools/requirements-infra.txt | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  echo "ci-infra-setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes \
    -r tools/requirements-infra.txt
  echo "$want" >"$stamp"
fi

lock_sum="$(sha256sum tools/k8s-schema/package-lock.json | cut -d' ' -f1)"
if [[ ! -d tools/k8s-schema/node_modules ]] || [[ "$(cat tools/k8s-schema/node_modules/.lock.sha256 2>/dev/null)" != "$lock_sum" ]]; then
  echo "ci-infra-setup: npm ci in tools/k8s-schema"
  (cd tools/k8s-schema && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >tools/k8s-schema/node_modules/.lock.sha256
fi
echo "ci-infra-setup: done"
