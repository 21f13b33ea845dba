"""Every worker tag is a release of its own: a values file per tag of celeryconfig.QUEUES, one Argo CD Application
per release, and the charts' library dependency wired (no tools needed: plain files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from celeryconfig import QUEUES
from tests.infra.conftest import REPO

HELM = REPO / "infra" / "helm"
VALUES = HELM / "values"
OWN_CHART = {"registry": "registry", "gateway": "gateway", "beat": "beat", "console": "console"}


def release_of(tag: str) -> str:
    return tag.replace(".", "-")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def test_every_queue_has_a_values_file_naming_its_queue() -> None:
    missing = [tag for tag in QUEUES if not (VALUES / f"{release_of(tag)}.yaml").is_file()]
    assert missing == [], f"tags without infra/helm/values/<release>.yaml: {missing}"
    for tag in QUEUES:
        worker = load(VALUES / f"{release_of(tag)}.yaml")["worker"]
        assert worker["queue"] == tag
        assert worker["image"]["name"] == release_of(tag)


def test_no_values_file_without_a_queue_or_a_chart() -> None:
    releases = {p.stem for p in VALUES.glob("*.yaml")} - {"common"}
    strays = releases - {release_of(t) for t in QUEUES} - set(OWN_CHART)
    assert strays == set(), f"values files that are no tag, registry, gateway or beat: {strays}"
    assert {"registry", "beat"} <= releases


def test_applicationset_yields_one_application_per_release() -> None:
    docs = list(yaml.safe_load_all((REPO / "infra/argocd/workers-core.applicationset.yaml").read_text()))
    appset = next(d for d in docs if d["kind"] == "ApplicationSet")
    elements = appset["spec"]["generators"][0]["list"]["elements"]
    names = [e["release"] for e in elements]
    assert len(names) == len(set(names))
    assert set(names) == {p.stem for p in VALUES.glob("*.yaml")} - {"common"}
    for e in elements:
        assert e["chart"] == OWN_CHART.get(e["release"], "worker"), e
        assert (HELM / e["chart"] / "Chart.yaml").is_file()
    src = appset["spec"]["template"]["spec"]["source"]["helm"]
    assert src["valueFiles"] == ["../values/common.yaml", "../values/{{ .release }}.yaml"]


def test_every_chart_vendors_the_library_it_declares() -> None:
    for chart in ("worker", "registry", "gateway", "beat", "console"):
        meta = load(HELM / chart / "Chart.yaml")
        (dep,) = meta["dependencies"]
        vendored = HELM / chart / "charts" / dep["name"]
        assert (vendored / "Chart.yaml").is_file(), f"{chart}: charts/{dep['name']} missing (symlink to ../../lib)"
        lib = load(vendored / "Chart.yaml")
        assert (lib["name"], lib["version"], lib["type"]) == (dep["name"], dep["version"], "library")
        assert dep["repository"] == "file://../lib"


def test_filing_workers_read_their_outbox_database_from_a_secret() -> None:
    for release, env in (
        ("anaf-efactura", "ANAF_EFACTURA_DATABASE_URL"),
        ("anaf-etransport", "ANAF_ETRANSPORT_DATABASE_URL"),
        ("reges", "REGES_DATABASE_URL"),
    ):
        db = load(VALUES / f"{release}.yaml")["database"]
        assert db["enabled"] is True and db["urlEnv"] == env and db["ref"]["key"] and db["ref"]["property"]


def test_common_values_ask_for_durable_redis_and_an_object_store() -> None:
    text = (VALUES / "common.yaml").read_text()
    common = yaml.safe_load(text)
    assert common["redis"]["persistence"]["requireAof"] is True
    for why in ("idempotency keys", "OAuth tokens", "rate-limit"):
        assert why in text, f"common.yaml must say why Redis is persistent ({why})"
    assert common["artifacts"]["store"].startswith("s3://")
    assert "ARTIFACT_DIR" not in common["celery"]["env"]


def test_the_console_may_scale_exactly_the_worker_deployments_it_names() -> None:
    """The console's Role covers the Scale subresource of every worker release and nothing else, and the name the
    console derives for a tag (``CONSOLE_KUBE_DEPLOYMENT_PREFIX`` + tag with dashes) is that release's Deployment."""
    from console.config import ConsoleSettings

    scale = load(HELM / "console" / "values.yaml")["console"]["scale"]
    workers = {release_of(tag) for tag in QUEUES}
    assert scale["enabled"] is True and set(scale["deployments"]) == workers
    prefix = ConsoleSettings.model_fields["kube_deployment_prefix"].default
    assert {f"{prefix}{tag.replace('.', '-')}" for tag in QUEUES} == workers
    template = (HELM / "console" / "templates" / "scale-rbac.yaml").read_text()
    assert '["deployments/scale"]' in template and 'verbs: ["get", "patch"]' in template
