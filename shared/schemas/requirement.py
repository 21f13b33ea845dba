"""What a filing worker validates with: checked at start-up, by ``/readyz?deep=true`` and shown as a metric.

Outside development a worker whose artefacts are missing or altered refuses to start (``SchemaStep``), so
no document can reach ANAF or REGES unvalidated; in development it starts, says so, and each submission
fails with ``SchemasUnavailable`` before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from shared.schemas.manifest import load_manifest
from shared.schemas.store import SchemasUnavailable

__all__ = ["SchemaInfoCollector", "SchemaRequirement"]


@dataclass(frozen=True)
class SchemaRequirement:
    """The artefacts ``names`` a worker needs; ``locate`` finds their files (relocations included) or raises."""

    names: tuple[str, ...]
    locate: Callable[[], object]

    def check(self) -> list[dict[str, str]]:
        """``[{name, version}, ...]`` of the usable artefacts, or ``SchemasUnavailable``."""
        self.locate()
        manifest = load_manifest()
        return [manifest[n].ref for n in self.names]

    def deep_check(self) -> dict[str, object]:
        return {"artefacts": self.check()}


class SchemaInfoCollector(Collector):
    """``workers_core_schema_info{name,version}``: 1 while the artefact checks out, 0 when it does not."""

    def __init__(self, requirement: SchemaRequirement):
        self.requirement = requirement

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "workers_core_schema_info",
            "Official validation artefact the worker validates against (1 = verified)",
            labels=["name", "version"],
        )
        try:
            self.requirement.check()
            ok = 1.0
        except SchemasUnavailable:
            ok = 0.0
        manifest = load_manifest()
        for name in self.requirement.names:
            family.add_metric([name, manifest[name].version], ok)
        yield family

    def describe(self) -> Iterable[Metric]:
        return []
