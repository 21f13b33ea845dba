"""The per-process services of the ``flows`` worker: the flows' rows, the e-Factura rows, the result backend."""

from __future__ import annotations

from dataclasses import dataclass

from flows.children import ChildResults
from flows.config import FlowsSettings
from flows.filings import EFACTURA_NAMESPACE, FilingReader
from flows.invoice import InvoiceFlow
from flows.store import NAMESPACE, FlowStore
from shared.celery_app import create_client
from shared.outbox import Outbox, open_outbox

__all__ = ["FlowsServices", "build_services", "check_store", "close_services"]


@dataclass
class FlowsServices:
    store: FlowStore
    invoice: InvoiceFlow
    children: ChildResults


def build_services(settings: FlowsSettings) -> FlowsServices:
    box = open_outbox(settings.database, NAMESPACE, environment=settings.workers_core_env)
    filings = FilingReader(Outbox(box.engine, EFACTURA_NAMESPACE))
    store = FlowStore(box)
    children = ChildResults(create_client(settings))
    return FlowsServices(store, InvoiceFlow(settings, store, children, filings), children)


def close_services(services: FlowsServices) -> None:
    try:
        services.children.app.close()
    finally:
        services.store.box.engine.dispose()


def check_store(settings: FlowsSettings) -> None:
    """Start-up check: the flows' database is allowed here, reachable and migrated (else one line, exit 78)."""
    open_outbox(settings.database, NAMESPACE, environment=settings.workers_core_env).engine.dispose()
