#!/usr/bin/env bash
# Every offline infra check, in one script. Installs nothing (scripts/ci-infra-setup.sh does), needs no network,
# no Docker engine and no cluster. Each check is a hard gate; the script runs all of them and exits 1 if any
# failed, printing a closing "infra-checks: N passed, N failed" line.
#
#   scripts/ci-infra-check.sh                         # all checks on this repository
#   scripts/ci-infra-check.sh --only helm,rego        # a subset (names: --list)
#   scripts/ci-infra-check.sh --root /tmp/copy        # the same checks on another tree (tests use broken copies)
#
# Tools come from this repository: .venv-infra (hashed tools/requirements-infra.txt), tools/k8s-schema/node_modules
# (npm ci), and promtool/amtool/shellcheck on PATH (Debian packages).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$HERE"
ONLY=""
while (($#)); do
  case "$1" in
    --root) ROOT="$(cd "$2" && pwd)"; shift 2 ;;
    --only) ONLY=",$2,"; shift 2 ;;
    --list) LIST=1; shift ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

VENV="${INFRA_VENV:-$HERE/.venv-infra}"
PY="$VENV/bin/python"
TOOLS="$HERE/tools/infra_checks"
NODE_DIR="$HERE/tools/k8s-schema"
HELM="$ROOT/infra/helm"
ALERTS="$ROOT/infra/k8s/alertmanager"
POLICY="$ROOT/infra/policies/opa"
DASH="$ROOT/infra/grafana/provisioning/dashboards"
WORK="$(mktemp -d)"
RENDERED="$WORK/rendered"
trap 'rm -rf "$WORK"' EXIT
export SYFT_CHECK_FOR_APP_UPDATE=false TRIVY_NO_PROGRESS=true

CHECKS=(hadolint trivy-dockerfile compose image-matrix actionlint zizmor helm kubernetes-validate crds
  chart-invariants trivy-k8s gatekeeper-schema rego gator promtool-rules promtool-tests promrule-sync
  amtool-config amtool-routes dashboards yamllint shellcheck)
if [[ -n "${LIST:-}" ]]; then printf '%s\n' "${CHECKS[@]}"; exit 0; fi

missing=()
[[ -x "$PY" ]] || missing+=("$VENV (run scripts/ci-infra-setup.sh)")
[[ -d "$NODE_DIR/node_modules" ]] || missing+=("$NODE_DIR/node_modules (run scripts/ci-infra-setup.sh)")
for bin in promtool amtool shellcheck node docker-compose; do command -v "$bin" >/dev/null || missing+=("$bin"); done
if ((${#missing[@]})); then
  printf 'ci-infra-check: missing tool: %s\n' "${missing[@]}" >&2
  exit 1
fi

passed=0
failed=0
failed_names=()

want() { [[ -z "$ONLY" || "$ONLY" == *",$1,"* ]]; }

# run NAME COMMAND...: run one check, time it, count it.
run() {
  local name="$1"; shift
  want "$name" || return 0
  local start end rc
  start=$(date +%s.%N)
  echo "=== $name"
  "$@"
  rc=$?
  end=$(date +%s.%N)
  if ((rc == 0)); then
    passed=$((passed + 1))
    printf -- '--- PASS %s (%ss)\n' "$name" "$(awk "BEGIN {printf \"%.1f\", $end - $start}")"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    printf -- '--- FAIL %s (exit %s, %ss)\n' "$name" "$rc" "$(awk "BEGIN {printf \"%.1f\", $end - $start}")"
  fi
}

# Every release rendered (one file per release: chart + values/common.yaml + values/<release>.yaml, plus the CI
# variants in infra/helm/ci); checks that need them render first.
render() {
  [[ -d "$RENDERED" ]] && return 0
  mkdir -p "$RENDERED"
  "$PY" "$TOOLS/releases.py" "$HELM" "$RENDERED" --no-reject >"$WORK/render.log" 2>&1 || {
    cat "$WORK/render.log"; rm -rf "$RENDERED"; return 1; }
}
need_render() { render || { echo "chart does not render (see check 'helm')"; return 1; }; }

c_hadolint() { "$VENV/bin/hadolint" --failure-threshold warning "$ROOT"/docker/Dockerfile; }
c_trivy_dockerfile() {
  "$VENV/bin/trivy" config --quiet --skip-check-update --exit-code 1 --severity HIGH,CRITICAL "$ROOT/docker"
}
c_compose() {
  "$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$ROOT/docker/compose.yaml" || return 1
  # docker-compose 1.29 (Debian) resolves the file as `up` would: interpolation, env files, anchors, depends_on.
  # The committed example env files stand in for the real (uncommitted) ones.
  local out
  out="$(cd "$ROOT/docker" && WORKERS_CORE_ENV_DIR=./env.example docker-compose -f compose.yaml \
    --env-file env.example/compose.env config 2>"$WORK/compose.err")" || { cat "$WORK/compose.err"; return 1; }
  "$PY" "$TOOLS/compose_check.py" --celeryconfig "$ROOT/celeryconfig.py" <<<"$out"
}
c_image_matrix() { "$PY" "$TOOLS/image_matrix.py" --root "$ROOT"; }
c_actionlint() { (cd "$ROOT" && "$VENV/bin/actionlint" -shellcheck "$(command -v shellcheck)" .github/workflows/*.y*ml); }
c_zizmor() { "$VENV/bin/zizmor" --offline --min-severity low "$ROOT/.github/workflows"; }
c_helm() {
  rm -rf "$RENDERED"
  mkdir -p "$RENDERED"
  "$PY" "$TOOLS/gen_chart_schemas.py" --root "$ROOT" --check || return 1
  "$PY" "$TOOLS/releases.py" "$HELM" "$RENDERED" || { rm -rf "$RENDERED"; return 1; }
}
c_kubernetes_validate() {
  need_render || return 1
  "$VENV/bin/kubernetes-validate" --strict --quiet --no-warn -k 1.31.0 "$RENDERED"/*.yaml
}
c_crds() {
  need_render || return 1
  (cd "$NODE_DIR" && node validate-crds.mjs "$RENDERED"/*.yaml "$ALERTS/prometheusrule.yaml" \
    "$ROOT"/infra/argocd/*.yaml)
}
c_chart_invariants() {
  need_render || return 1
  "$PY" "$TOOLS/chart_invariants.py" "$RENDERED"/*.yaml --celeryconfig "$ROOT/celeryconfig.py" --require-all-queues
}
c_trivy_k8s() {
  need_render || return 1
  "$VENV/bin/trivy" config --quiet --skip-check-update --exit-code 1 --severity HIGH,CRITICAL "$RENDERED"
}
c_gatekeeper_schema() {
  "$VENV/bin/check-jsonschema" --schemafile "$HERE/tools/schemas/constrainttemplate.schema.json" "$POLICY"/*.template.yaml \
    && "$VENV/bin/check-jsonschema" --schemafile "$HERE/tools/schemas/constraint.schema.json" "$POLICY"/*.constraint.yaml
}
c_rego() { "$PY" "$TOOLS/rego_test.py" --template "$POLICY/ct-no-latest.template.yaml" "$POLICY"/tests/*.rego; }
c_gator() {
  need_render || return 1
  local tmpl="$POLICY/ct-no-latest.template.yaml" con="$POLICY/no-latest-workers.constraint.yaml"
  "$PY" "$TOOLS/gator_lite.py" "$tmpl" "$con" "$RENDERED"/*.yaml || return 1
  echo "... the bad fixture must get exactly its annotated violations:"
  "$PY" "$TOOLS/gator_lite.py" --expect-annotated "$tmpl" "$con" "$POLICY/fixtures/bad-deployment.yaml" \
    || { echo "FAIL fixtures/bad-deployment.yaml was not denied as expected"; return 1; }
}
c_promtool_rules() {
  promtool check rules --lint=all --lint-fatal "$ALERTS/prometheus-rules.yaml" || return 1
  "$PY" "$TOOLS/promrule_sync.py" --extract "$ALERTS/prometheusrule.yaml" "$WORK/prometheusrule-spec.yaml" \
    && promtool check rules --lint=all --lint-fatal "$WORK/prometheusrule-spec.yaml"
}
c_promtool_tests() {
  (cd "$ALERTS" && promtool test rules tests/*.test.yaml) || return 1
  "$PY" "$TOOLS/alert_coverage.py" "$ALERTS/prometheus-rules.yaml" "$ALERTS"/tests/*.test.yaml
}
c_promrule_sync() { "$PY" "$TOOLS/promrule_sync.py" "$ALERTS/prometheus-rules.yaml" "$ALERTS/prometheusrule.yaml"; }
c_amtool_config() { amtool check-config "$ALERTS/alertmanager.yaml"; }
c_amtool_routes() { "$PY" "$TOOLS/amtool_routes.py" "$ALERTS/alertmanager.yaml" "$ALERTS/tests/routes.yaml"; }
c_dashboards() {
  "$PY" "$TOOLS/gen_dashboards.py" "$DASH" --check && "$PY" "$TOOLS/dash_check.py" "$DASH"/*.json
}
c_yamllint() {
  (cd "$ROOT" && "$VENV/bin/yamllint" --strict -c "$HERE/.yamllint.yaml" infra docker .github) || return 1
  need_render || return 1
  "$VENV/bin/yamllint" -d '{extends: relaxed, rules: {line-length: disable, key-duplicates: enable}}' "$RENDERED"
}
c_shellcheck() { shellcheck -x --severity=warning "$ROOT"/scripts/*.sh; }

run hadolint c_hadolint
run trivy-dockerfile c_trivy_dockerfile
run compose c_compose
run image-matrix c_image_matrix
run actionlint c_actionlint
run zizmor c_zizmor
run helm c_helm
run kubernetes-validate c_kubernetes_validate
run crds c_crds
run chart-invariants c_chart_invariants
run trivy-k8s c_trivy_k8s
run gatekeeper-schema c_gatekeeper_schema
run rego c_rego
run gator c_gator
run promtool-rules c_promtool_rules
run promtool-tests c_promtool_tests
run promrule-sync c_promrule_sync
run amtool-config c_amtool_config
run amtool-routes c_amtool_routes
run dashboards c_dashboards
run yamllint c_yamllint
run shellcheck c_shellcheck

if ((failed)); then echo "failed checks: ${failed_names[*]}"; fi
if ((passed + failed == 0)); then echo "no check selected (see --list)"; exit 2; fi
echo "infra-checks: $passed passed, $failed failed"
((failed == 0))
