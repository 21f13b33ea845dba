"""Per-process wiring of the e-Transport service: outbox engine, validator (compiled once), ANAF client."""

from __future__ import annotations

from collections.abc import Callable

from anaf_core.runtime import get_runtime
from anaf_etransport.client import EtransportClient
from anaf_etransport.config import get_settings
from anaf_etransport.models import EtransportResult
from anaf_etransport.outbox import Outbox
from anaf_etransport.submission import SubmissionService
from anaf_etransport.validation import ARTEFACTS, SCHEMATRON_FILE, XSD_FILE, EtransportValidator
from shared.artifacts import artifact_store
from shared.resources import ProcessResource
from shared.schemas import get_store
from shared.schemas.requirement import SchemaRequirement

__all__ = ["SCHEMAS", "build_validator", "service"]


def _outbox() -> Outbox:
    return Outbox.from_url(get_settings().database_url.get_secret_value())


def build_validator() -> EtransportValidator:
    """The validator of the installed (or relocated) artefacts; ``SchemasUnavailable`` when they are unusable."""
    s = get_settings()
    return EtransportValidator.from_store(get_store(), xsd=s.xsd_path, schematron=s.schematron_path)


def locate_schemas() -> None:
    s = get_settings()
    get_store().locate("etransport-xsd", XSD_FILE, s.xsd_path)
    get_store().locate("etransport-schematron", SCHEMATRON_FILE, s.schematron_path)


#: XSD + Schematron: refused start-up outside development when unusable, deep check, schema_info metric.
SCHEMAS = SchemaRequirement(ARTEFACTS, locate_schemas)


outbox_resource: ProcessResource[Outbox] = ProcessResource(_outbox, close=lambda o: o.engine.dispose(), name="etransport-outbox")
validator_resource: ProcessResource[EtransportValidator] = ProcessResource(build_validator, name="etransport-validator")


def service(on_final: Callable[[EtransportResult], None]) -> SubmissionService:
    rt = get_runtime()
    return SubmissionService(
        settings=get_settings(),
        outbox=outbox_resource.get(),
        client=EtransportClient(rt.api_client(rt.settings.etransport_base_url)),
        store=artifact_store(),
        validator=validator_resource.get(),
        on_final=on_final,
    )
