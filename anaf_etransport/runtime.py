"""The per-process services of the ``anaf.etransport`` worker: ANAF runtime, outbox, validator, submission service.

``build_services(settings)`` is the ``WorkerSpec``'s factory (called once per pool process); ``SCHEMAS`` names the
official artefacts the worker refuses to start without (outside development).
"""

from __future__ import annotations

from dataclasses import dataclass

from anaf_core.config import load_anaf_settings
from anaf_core.runtime import AnafRuntime
from anaf_etransport.client import EtransportClient
from anaf_etransport.config import EtransportSettings, get_settings
from anaf_etransport.outbox import EtransportOutbox
from anaf_etransport.submission import SubmissionService
from anaf_etransport.validation import ARTEFACTS, SCHEMATRON_FILE, XSD_FILE, EtransportValidator
from shared.artifacts import artifact_store
from shared.schemas import get_store
from shared.schemas.requirement import SchemaRequirement

__all__ = ["SCHEMAS", "EtransportServices", "build_services", "build_validator", "check_outbox", "close_services"]


def build_validator(settings: EtransportSettings) -> EtransportValidator:
    """The validator of the installed (or relocated) artefacts; ``SchemasUnavailable`` when they are unusable."""
    return EtransportValidator.from_store(get_store(), xsd=settings.xsd_path, schematron=settings.schematron_path)


def locate_schemas() -> None:
    s = get_settings()
    get_store().locate("etransport-xsd", XSD_FILE, s.xsd_path)
    get_store().locate("etransport-schematron", SCHEMATRON_FILE, s.schematron_path)


#: XSD + Schematron: refused start-up outside development when unusable, deep check, schema_info metric.
SCHEMAS = SchemaRequirement(ARTEFACTS, locate_schemas)


@dataclass
class EtransportServices:
    """What the handlers use; built once per process and closed at its end."""

    anaf: AnafRuntime
    outbox: EtransportOutbox
    submission: SubmissionService


def build_services(settings: EtransportSettings) -> EtransportServices:
    """Validator first (no schemas: nothing else is built, every task fails with ``SchemasUnavailable``)."""
    validator = build_validator(settings)
    anaf = AnafRuntime.create(load_anaf_settings())
    outbox = EtransportOutbox.open(settings.outbox_url(), environment=settings.workers_core_env)
    client = EtransportClient(anaf.api_client(anaf.settings.etransport_base_url))
    submission = SubmissionService(
        settings=settings, outbox=outbox, client=client, store=artifact_store(), validator=validator
    )
    return EtransportServices(anaf, outbox, submission)


def check_outbox(settings: EtransportSettings) -> None:
    """Start-up check: the outbox database is allowed here, reachable and migrated (else one line, exit 78)."""
    EtransportOutbox.open(settings.outbox_url(), environment=settings.workers_core_env).close()


def close_services(services: EtransportServices) -> None:
    services.outbox.close()
    services.anaf.close()
