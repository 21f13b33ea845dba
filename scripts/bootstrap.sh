#!/usr/bin/env bash
# Idempotent set-up of a Debian/Ubuntu machine for workers-core: Debian packages, local services
# (RabbitMQ, Redis, PostgreSQL) started when down, and the project's virtualenv from the hash-pinned lock.
# Env: SKIP_APT=1 to skip package installs; WC_VENV (default .venv); WC_LOCK (default requirements/dev.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${WC_VENV:-.venv}
LOCK=${WC_LOCK:-requirements/dev.txt}
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Packages the workers and the tests need: services, Chromium (pdf.render), Tesseract + Romanian (ocr),
# Prometheus/Alertmanager (rule tests), fonts with Romanian diacritics, Java for ANAF's DUKIntegrator.
DEBS=(rabbitmq-server redis-server postgresql chromium tesseract-ocr tesseract-ocr-ron poppler-utils
      fonts-dejavu-core prometheus prometheus-alertmanager shellcheck python3-venv)

if [ "${SKIP_APT:-0}" != "1" ]; then
  missing=()
  for p in "${DEBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# --- services (started only when down; the machine may already run them) -------------------------------
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  echo "bootstrap: starting redis"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "bootstrap: starting postgresql"
  pg_version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start || true
fi
if ! rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  echo "bootstrap: starting rabbitmq"
  $SUDO rabbitmq-server -detached || true
  for _ in $(seq 1 60); do rabbitmq-diagnostics -q ping >/dev/null 2>&1 && break; sleep 1; done
fi
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && break; sleep 1; done
rabbitmq-diagnostics -q ping >/dev/null
redis-cli -h 127.0.0.1 ping >/dev/null
pg_isready -h 127.0.0.1 -p 5432 -q
# PostgreSQL on a fresh Debian only trusts local sockets for 'postgres': the tests connect over TCP as postgres.
if ! psql "postgresql://postgres@127.0.0.1:5432/postgres" -Atc 'select 1' >/dev/null 2>&1; then
  echo "bootstrap: PostgreSQL at 127.0.0.1:5432 does not accept user 'postgres' without a password;" >&2
  echo "           set TEST_PG_ADMIN_URL to an admin URL (tests create and drop their own database)." >&2
fi

# --- virtualenv from the hash-pinned lock ----------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
stamp="$VENV/.lock-$(sha256sum "$LOCK" pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing $LOCK into $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes -r "$LOCK"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>/dev/null \
    || "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -e .
  rm -f "$VENV"/.lock-*; touch "$stamp"
fi

# --- official validation schemas (UBL, CIUS-RO, e-Transport, SAF-T, REGES), pinned by shared/schemas/manifest.toml --
# From WORKERS_CORE_SCHEMAS_MIRROR (an offline mirror directory) when set, else downloaded; every hash is checked.
# Installs into WORKERS_CORE_SCHEMAS_DIR (default: ~/.local/share/workers-core/schemas); idempotent.
if ! schemas_out=$("$VENV/bin/workers-core" schemas install 2>&1); then
  echo "bootstrap: ${schemas_out#Error: }" >&2  # one line; it names the variable to set
  exit 1
fi
echo "bootstrap: $schemas_out"
echo "bootstrap: ready ($VENV)"
