"""Transitional: the app of a worker not yet declared as a ``WorkerSpec`` (its tasks register themselves).

``create_legacy_app(tag, ...)`` builds the same app as ``create_app`` with no declared tasks and installs the
process-wide publisher that ``shared.events.publish_event`` uses. Each worker moves to ``create_app(SPEC)``;
this module goes when the last one has (``tests/platform/test_architecture.py`` lists who still uses it).
"""

from __future__ import annotations

from collections.abc import Sequence

from celery import Celery

from shared.celery_app import create_app
from shared.config import get_settings
from shared.events import set_publisher
from shared.health import DeepCheck
from shared.schemas.requirement import SchemaRequirement
from shared.worker import WorkerSpec

__all__ = ["create_legacy_app"]


def create_legacy_app(
    tag: str, *, deep_checks: Sequence[DeepCheck] = (), schemas: SchemaRequirement | None = None
) -> Celery:
    checks = tuple(deep_checks)
    spec: WorkerSpec[object, None] = WorkerSpec(
        tag=tag, settings=get_settings, services=lambda _settings: None, tasks=(),
        deep_checks=lambda _settings: checks, schemas=schemas,
    )
    app = create_app(spec)
    set_publisher(app.conf.workers_core_publisher)
    return app
