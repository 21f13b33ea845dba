"""Every offline infra check passes on the repository and FAILS on a deliberately broken copy of it.

Each case copies the infra tree, applies one realistic mistake, and runs the very same
``scripts/ci-infra-check.sh --root <copy> --only <check>`` that CI runs, expecting a non-zero exit and the
validator's own diagnosis in the output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.infra.conftest import CHECK, run_check


def edit(path: str, old: str, new: str, *, count: int = 1, regex: bool = False) -> Callable[[Path], None]:
    """A mutation replacing ``old`` by ``new`` in ``path`` (relative to the copy); it must match."""

    def apply(root: Path) -> None:
        file = root / path
        text = file.read_text()
        if regex:
            changed, n = re.subn(old, new, text, count=count if count > 0 else 0, flags=re.M)
        else:
            n = text.count(old)
            changed = text.replace(old, new) if count <= 0 else text.replace(old, new, count)
        assert n, f"mutation does not apply: {old!r} not in {path}"
        file.write_text(changed)

    return apply


def append(path: str, text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        with (root / path).open("a") as fh:
            fh.write(text)

    return apply


@dataclass(frozen=True)
class Case:
    check: str
    why: str
    mutate: Callable[[Path], None]
    expect: str  # regex that must appear in the check's output


HELM = "infra/helm"
WORKER = "infra/helm/worker"
RULES = "infra/k8s/alertmanager/prometheus-rules.yaml"
AM = "infra/k8s/alertmanager/alertmanager.yaml"
TEMPLATE = "infra/policies/opa/ct-no-latest.template.yaml"

CASES = [
    Case(
        "hadolint",
        "unpinned apt install without cleanup",
        append(
            "docker/Dockerfile", "\nFROM rt-plain AS broken\nUSER root\nRUN apt-get update && apt-get install -y curl\n"
        ),
        r"DL3008|DL3015|DL3009",
    ),
    Case(
        "trivy-dockerfile",
        "the images would run as root (no USER)",
        edit("docker/Dockerfile", "USER 1000:1000\n", "", count=0),
        r"DS-?0002|root",
    ),
    Case(
        "compose",
        "a compose field of the wrong type",
        edit("docker/compose.yaml", "stop_grace_period: 6m", "stop_grace_period: [6m]"),
        r"stop_grace_period|not valid",
    ),
    Case(
        "compose",
        "Redis without AOF (idempotency keys and OAuth tokens lost on restart)",
        edit("docker/compose.yaml", '"--appendonly", "yes"', '"--appendonly", "no"'),
        r"redis: no AOF",
    ),
    Case(
        "compose",
        "a worker without its registry token",
        edit("docker/env.example/ocr.env", "REGISTRY_TOKEN=<registry-token-ocr>\n", ""),
        r"ocr: no REGISTRY_TOKEN",
    ),
    Case(
        "compose",
        "a filing worker that starts before the outbox is migrated",
        edit("docker/compose.yaml", "      outbox-migrate: {condition: service_completed_successfully}\n", ""),
        r"anaf-efactura: starts without waiting for outbox-migrate",
    ),
    Case(
        "compose",
        "an env file the compose file names is missing",
        lambda root: (root / "docker/env.example/reges.env").unlink(),
        r"reges\.env",
    ),
    Case(
        "image-matrix",
        "Chromium dropped from the pdf-render image",
        edit("docker/Dockerfile", "FROM rt-chromium AS pdf-render", "FROM rt-plain AS pdf-render"),
        r"pdf-render: chromium missing",
    ),
    Case(
        "actionlint",
        "a typo in the runner label",
        edit(".github/workflows/ci.yaml", "runs-on: ubuntu-24.04", "runs-on: ubuntu-24.4"),
        r"label",
    ),
    Case(
        "zizmor",
        "an action referenced by a mutable tag",
        edit(
            ".github/workflows/ci.yaml",
            "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2",
            "actions/checkout@v4",
        ),
        r"unpinned",
    ),
    Case(
        "helm",
        "a template that dereferences a missing value",
        edit(
            f"{HELM}/lib/templates/_objects.tpl",
            "maxUnavailable: {{ .root.Values.podDisruptionBudget.maxUnavailable }}",
            "maxUnavailable: {{ .root.Values.podDisruptionBudget.nope.deeper }}",
        ),
        r"nil pointer|render: ",
    ),
    Case(
        "helm",
        "values.schema.json no longer refuses KEDA's amqp protocol (unacked messages invisible)",
        edit(f"{WORKER}/values.schema.json", r'("enum": \[\s*)"http"(\s*\])', r'\1"http", "amqp"\2', regex=True),
        r"values.schema.json differs from gen_chart_schemas.py",
    ),
    Case(
        "kubernetes-validate",
        "an unknown (misspelt) field in the Deployment (--strict)",
        edit(
            f"{WORKER}/templates/workload.yaml",
            "          resources:\n            {{- toYaml $w.resources",
            "          resourcez:\n            {{- toYaml $w.resources",
        ),
        r"resourcez' was unexpected",
    ),
    Case(
        "crds",
        "KEDA minReplicaCount rendered as a string",
        edit(
            f"{WORKER}/templates/autoscaling.yaml",
            "minReplicaCount: {{ $as.minReplicas }}",
            "minReplicaCount: {{ $as.minReplicas | quote }}",
        ),
        r"FAIL .*ScaledObject.*minReplicaCount",
    ),
    Case(
        "chart-invariants",
        "grace period below the OCR hard time limit",
        edit(
            f"{HELM}/values/ocr.yaml",
            "  terminationGracePeriodSeconds: 360\n  probes: {startupFailureThreshold: 60}",
            "  terminationGracePeriodSeconds: 300\n  probes: {startupFailureThreshold: 60}",
        ),
        r"terminationGracePeriodSeconds 300 <= time limit 300",
    ),
    Case(
        "chart-invariants",
        "a ScaledObject and an HPA on the same Deployment",
        edit(
            f"{WORKER}/templates/autoscaling.yaml",
            '{{- else if eq $mode "hpa" }}',
            '{{- end }}\n{{- if ne $mode "none" }}\n---',
        ),
        r"2 autoscalers",
    ),
    Case(
        "chart-invariants",
        "the outbox migration runs after install (pods would race on an unmigrated schema)",
        edit(
            f"{WORKER}/templates/outbox-migrate-job.yaml",
            "helm.sh/hook: pre-install,pre-upgrade",
            "helm.sh/hook: post-install",
        ),
        r"no pre-install/pre-upgrade `outbox migrate` hook Job",
    ),
    Case(
        "chart-invariants",
        "a tag of celeryconfig.QUEUES without a release",
        lambda root: (root / HELM / "values" / "reges.yaml").unlink(),
        r"queue 'reges' of celeryconfig.QUEUES has no workload in any release",
    ),
    Case(
        "chart-invariants",
        "beat rolled with RollingUpdate (two schedulers during an upgrade)",
        edit(f"{HELM}/beat/templates/beat.yaml", "type: Recreate", "type: RollingUpdate"),
        r"beat must be one replica with strategy Recreate",
    ),
    Case(
        "helm",
        "no object store in the shared values (artifacts would stay on a pod)",
        edit(f"{HELM}/values/common.yaml", "store: s3://workers-core-artifacts/production", 'store: ""'),
        r"artifacts.store \(s3://bucket/prefix\) is required",
    ),
    Case(
        "trivy-k8s",
        "worker pods sharing the host PID namespace",
        edit(
            f"{WORKER}/templates/workload.yaml",
            "      automountServiceAccountToken: false\n",
            "      automountServiceAccountToken: false\n      hostPID: true\n",
        ),
        r"KSV-?0010|host PID",
    ),
    Case(
        "gatekeeper-schema",
        "a ConstraintTemplate name that is not lowercase",
        edit(TEMPLATE, "  name: ctnolatest", "  name: CTNoLatest"),
        r"CTNoLatest|does not match",
    ),
    Case(
        "rego",
        "a unit test whose expectation is wrong",
        edit(
            "infra/policies/opa/tests/ct_no_latest_test.rego",
            'count(violation) == 0 with input as deployment("ghcr.io/acme/worker:1.4.2")',
            'count(violation) == 1 with input as deployment("ghcr.io/acme/worker:1.4.2")',
        ),
        r"FAIL data\.ctnolatest\.test_pinned_tag_allowed",
    ),
    Case(
        "rego",
        "a syntax error in the policy",
        edit(
            TEMPLATE,
            '        has_digest(image) if contains(image, "@sha256:")',
            '        has_digest(image) if contains(image, "@sha256:"',
        ),
        r"FAIL load",
    ),
    Case(
        "gator",
        "a policy regression lets :latest through",
        edit(TEMPLATE, "lower(image_tag(image)) in disallowed", 'image_tag(image) == "never-matches"'),
        r"MISMATCH .*bad-worker: 1 violations, expected 2",
    ),
    Case(
        "promtool-rules",
        "an invalid duration",
        edit(RULES, "        for: 2m\n", "        for: 2x\n"),
        r"not a valid duration|bad duration|unknown unit",
    ),
    Case(
        "promtool-rules",
        "broken PromQL",
        edit(
            RULES,
            "expr: max by (queue_name) (celery_queue_length) > 1000",
            "expr: max by (queue_name) (celery_queue_length > 1000",
        ),
        r"parse error|unclosed",
    ),
    Case(
        "promtool-tests",
        "the failure-rate alert threshold drifted to 50 %",
        edit(
            RULES,
            "expr: queue_name:celery_task_error_ratio:rate5m > 0.05",
            "expr: queue_name:celery_task_error_ratio:rate5m > 0.5",
        ),
        r"FAILED",
    ),
    Case(
        "promtool-tests",
        "an alert without any unit test",
        append(RULES, "\n      - alert: Untested\n        expr: vector(1) > 2\n        labels: {severity: warning}\n"),
        r"Untested: no test where it fires",
    ),
    Case(
        "promrule-sync",
        "the PrometheusRule no longer matches the rule file",
        edit(
            RULES,
            "expr: max by (queue_name) (celery_queue_length) > 1000",
            "expr: max by (queue_name) (celery_queue_length) > 2000",
        ),
        r"out of sync",
    ),
    Case(
        "amtool-config",
        "a route to an undefined receiver",
        edit(
            AM,
            "    - receiver: workers-core-slack\n      matchers: ['severity=~\"critical|warning\"']",
            "    - receiver: missing\n      matchers: ['severity=~\"critical|warning\"']",
        ),
        r"undefined receiver",
    ),
    Case(
        "amtool-routes",
        "critical alerts stop reaching Slack (continue removed)",
        edit(AM, "      continue: true\n", ""),
        r"FAIL a critical alert pages PagerDuty",
    ),
    Case(
        "dashboards",
        "a hand edit of the generated dashboard",
        edit(
            "infra/grafana/provisioning/dashboards/workers-core-workers.json",
            "histogram_quantile(0.5,",
            "histogram_quantile(0.5",
        ),
        r"differs from gen_dashboards",
    ),
    Case(
        "yamllint",
        "a duplicated key",
        edit(
            "infra/argocd/workers-core.applicationset.yaml",
            "      project: workers-core\n",
            "      project: workers-core\n      project: other\n",
        ),
        r"duplication of key",
    ),
    Case(
        "shellcheck",
        "a misspelt variable in a destructive command",
        append("scripts/ci-infra-setup.sh", '\nrm -f "$stmp"\n'),
        r"SC2154",
    ),
]


def test_every_check_has_a_failing_case() -> None:
    import subprocess

    listed = subprocess.run(["bash", str(CHECK), "--list"], capture_output=True, text=True, check=True).stdout.split()
    assert listed, "ci-infra-check.sh --list printed nothing"
    assert sorted(set(listed) - {c.check for c in CASES}) == []


def test_all_checks_pass_on_the_pristine_copy(pristine: Path) -> None:
    res = run_check(pristine, ",".join(sorted({c.check for c in CASES})))
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert re.search(r"^infra-checks: \d+ passed, 0 failed$", res.stdout, re.M)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.check}:{c.why}" for c in CASES])
def test_check_fails_on_broken_copy(case: Case, broken_copy: Callable[[], Path]) -> None:
    root = broken_copy()
    case.mutate(root)
    res = run_check(root, case.check)
    out = res.stdout + res.stderr
    assert res.returncode != 0, f"{case.check} passed on a broken copy ({case.why}):\n{out[-3000:]}"
    assert f"--- FAIL {case.check}" in res.stdout
    assert re.search(case.expect, out), f"expected /{case.expect}/ in output:\n{out[-3000:]}"
