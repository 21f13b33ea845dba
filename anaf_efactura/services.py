"""The per-process services of the ``anaf.efactura`` worker, built by ``create_app`` from ``EfacturaSettings``.

``build_services`` makes one ``AnafRuntime`` (Redis, limiters, tokens, the api.anaf.ro client on
``ANAF_ERRORS``), the outbox (``shared.outbox``, namespace ``efactura``), the validator (compiled once, on first
use) and the service over them; ``close_services`` releases them at process shutdown.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from anaf_core import AnafRuntime, load_anaf_settings
from anaf_efactura.chain import PollChain
from anaf_efactura.config import EfacturaSettings
from anaf_efactura.outbox import NAMESPACE, EfacturaOutbox
from anaf_efactura.service import EfacturaService
from anaf_efactura.validation import InvoiceValidator
from shared.artifacts import artifact_store
from shared.outbox import open_outbox
from shared.schemas import get_store

__all__ = ["EfacturaServices", "ValidatorCache", "build_services", "build_validator", "close_services"]


def build_validator(settings: EfacturaSettings) -> InvoiceValidator:
    """The validator of the installed (or relocated) artefacts; ``SchemasUnavailable`` when they are unusable."""
    return InvoiceValidator.from_store(get_store(), ubl_dir=settings.ubl_dir, cius_ro_xslt=settings.cius_ro_xslt)


class ValidatorCache:
    """Compiles the validator on first use (the CIUS-RO XSLT takes seconds) and keeps it for the process."""

    def __init__(self, settings: EfacturaSettings):
        self._settings = settings
        self._lock = threading.Lock()
        self._validator: InvoiceValidator | None = None

    def __call__(self) -> InvoiceValidator:
        with self._lock:
            if self._validator is None:
                self._validator = build_validator(self._settings)
            return self._validator


@dataclass
class EfacturaServices:
    runtime: AnafRuntime
    outbox: EfacturaOutbox
    service: EfacturaService
    chain: PollChain


def build_services(settings: EfacturaSettings) -> EfacturaServices:
    outbox = EfacturaOutbox(
        open_outbox(settings.database, NAMESPACE, environment=settings.workers_core_env), lease_s=settings.lease_s
    )
    try:
        runtime = AnafRuntime.create(load_anaf_settings())
    except BaseException:
        outbox.close()
        raise
    service = EfacturaService(settings, runtime, outbox, ValidatorCache(settings), artifact_store())
    return EfacturaServices(runtime, outbox, service, PollChain(runtime.redis_client, runtime.settings.redis_namespace))


def close_services(services: EfacturaServices) -> None:
    try:
        services.runtime.close()
    finally:
        services.outbox.close()
