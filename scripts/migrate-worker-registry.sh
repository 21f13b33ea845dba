#!/usr/bin/env bash
# Migrate worker records exported from Admin Core into the Worker Registry (ROADMAP step 311).
#
#   scripts/migrate-worker-registry.sh EXPORT.json [--dry-run] [--database-url URL] [--backup-dir DIR]
#
# The export format is documented in registry/admin_import.py. The import is idempotent (re-running it
# changes nothing), backs up the current registry rows to DIR/worker_status-<UTC time>.json before
# writing, and validates the row counts afterwards. Exit codes: 0 ok, 1 invalid export, 2 validation
# failed after writing, 64 usage. The database comes from --database-url, REGISTRY_DATABASE_URL or
# DATABASE_URL (SQLite file registry.sqlite3 when none is set).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$repo/.venv/bin/python" ]]; then python="$repo/.venv/bin/python"; else python="python3"; fi
fi

if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  [[ $# -lt 1 ]] && exit 64 || exit 0
fi

export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" -m registry.admin_import "$@"
