#!/usr/bin/env bash
# Set up (bootstrap.sh), start every worker (one process each, health ports 9801-9809) and do a round trip
# through RabbitMQ and Redis on every queue: `<tag>.ping`, then a real job (an HTML invoice rendered to PDF).
# Workers keep running with --keep (stop them with: pkill -f "shared.cli worker"); otherwise they stop at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export WORKERS_CORE_ENV=${WORKERS_CORE_ENV:-development}
export ARTIFACT_DIR=${ARTIFACT_DIR:-$PWD/var/artifacts}
export LOG_DIR=${LOG_DIR:-$PWD/var/log}
mkdir -p "$ARTIFACT_DIR" "$LOG_DIR" "$PWD/var/metrics"
# the filing outbox (e-Factura, e-Transport, REGES): SQLite is allowed in development only; migrated once, here
export DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/var/outbox.db}
.venv/bin/workers-core outbox migrate
PY=.venv/bin/python
TAGS=$($PY -c 'import celeryconfig; print(" ".join(celeryconfig.QUEUES))')
pids=()
cleanup() { [ "${KEEP:-0}" = "1" ] || { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }; }
trap cleanup EXIT
[ "${1:-}" = "--keep" ] && KEEP=1
for tag in $TAGS; do
  mkdir -p "$PWD/var/metrics/$tag"; rm -f "$PWD/var/metrics/$tag"/*.db
  PROMETHEUS_MULTIPROC_DIR="$PWD/var/metrics/$tag" HEALTH_HOST=127.0.0.1 \
    $PY -m shared.cli worker "$tag" -c 1 >"$LOG_DIR/$tag.log" 2>&1 &
  pids+=($!)
done
echo "demo: started workers: $TAGS (logs in $LOG_DIR)"
for tag in $TAGS; do
  port=$($PY -c "import celeryconfig; print(celeryconfig.QUEUES['$tag'].health_port)")
  for _ in $(seq 1 120); do .venv/bin/workers-core check "$tag" --port "$port" >/dev/null 2>&1 && break; sleep 0.5; done
done
.venv/bin/workers-core queues
for tag in $TAGS; do
  out=$(.venv/bin/workers-core send "$tag.ping" --kwargs '{"echo": "Bună ziua"}' --wait --timeout 60 2>/dev/null)
  echo "demo: $tag.ping -> $(echo "$out" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["hostname"], d["echo"])')"
done
html='<h1>Factură nr. 42</h1><p>Societatea Ăâîșț SRL — total 1.190,00 RON</p>'
if .venv/bin/workers-core send pdf.render --kwargs "{\"html\": \"$html\"}" --wait --timeout 120 >"$LOG_DIR/demo-pdf.json" 2>/dev/null; then
  echo "demo: pdf.render -> $(tr -d '\n' < "$LOG_DIR/demo-pdf.json" | cut -c1-300)"
else
  echo "demo: pdf.render failed: $(cat "$LOG_DIR/demo-pdf.json")"; exit 1
fi
echo "demo: OK — every queue answered through RabbitMQ -> worker -> Redis"
