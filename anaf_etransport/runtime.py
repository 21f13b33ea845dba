"""Per-process wiring of the e-Transport service: outbox engine, validator (compiled once), ANAF client."""

from __future__ import annotations

from collections.abc import Callable

from anaf_etransport.client import EtransportClient
from anaf_etransport.config import get_settings
from anaf_etransport.models import EtransportResult
from anaf_etransport.outbox import Outbox
from anaf_etransport.submission import SubmissionService
from anaf_etransport.validation import EtransportValidator
from shared.anaf.runtime import get_runtime
from shared.artifacts import get_artifact_store
from shared.resources import ProcessResource

__all__ = ["service"]


def _outbox() -> Outbox:
    return Outbox.from_url(get_settings().database_url.get_secret_value())


def _validator() -> EtransportValidator:
    s = get_settings()
    return EtransportValidator(s.xsd_path, s.schematron_path)


outbox_resource: ProcessResource[Outbox] = ProcessResource(_outbox, close=lambda o: o.engine.dispose(), name="etransport-outbox")
validator_resource: ProcessResource[EtransportValidator] = ProcessResource(_validator, name="etransport-validator")


def service(on_final: Callable[[EtransportResult], None]) -> SubmissionService:
    rt = get_runtime()
    return SubmissionService(
        settings=get_settings(),
        outbox=outbox_resource.get(),
        client=EtransportClient(rt.api_client(rt.settings.etransport_base_url)),
        store=get_artifact_store(),
        validator=validator_resource.get(),
        on_final=on_final,
    )
