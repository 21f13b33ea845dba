"""How the ``anaf.saft`` worker's service is built in each pool process, and the official XSD it needs.

``build_service(settings)`` compiles the D406 XSD once per process and opens the accounting database's engine
(when ``ANAF_SAFT_SOURCE_DATABASE_URL`` is set); ``SaftGenerator.close`` disposes it. Without a usable XSD the
service is still built and each ``saft.generate`` fails with ``SchemasUnavailable`` before writing anything
(outside development the worker does not even start: ``SCHEMAS``).
"""

from __future__ import annotations

from sqlalchemy import create_engine

from anaf_saft.config import SaftSettings, get_settings
from anaf_saft.duk import DukValidator
from anaf_saft.service import SaftGenerator
from anaf_saft.xsd import ARTEFACT, XSD_FILE, SaftSchema
from shared.artifacts import artifact_store
from shared.schemas import SchemasUnavailable, get_store
from shared.schemas.requirement import SchemaRequirement

__all__ = ["SCHEMAS", "build_service", "duk_validator"]

#: The D406 XSD: refused start-up outside development when unusable, deep check, schema_info metric.
SCHEMAS = SchemaRequirement((ARTEFACT,), lambda: get_store().locate(ARTEFACT, XSD_FILE, get_settings().xsd_path))


def duk_validator(settings: SaftSettings) -> DukValidator:
    return DukValidator(
        settings.duk_dir, java=settings.duk_java, max_memory=settings.duk_max_memory, timeout=settings.duk_timeout
    )


def _schema(settings: SaftSettings) -> SaftSchema | None:
    try:
        return SaftSchema.from_store(get_store(), xsd=settings.xsd_path)
    except SchemasUnavailable:
        return None  # generate() refuses with SchemasUnavailable: nothing is produced unchecked


def build_service(settings: SaftSettings) -> SaftGenerator:
    """The per-process generator: XSD compiled once, SQL engine (if configured) opened once."""
    url = settings.source_database_url
    engine = create_engine(url.get_secret_value(), pool_pre_ping=True) if url is not None else None
    return SaftGenerator(
        artifact_store(),
        schema=_schema(settings),
        duk=duk_validator(settings),
        max_lines_per_segment=settings.max_lines_per_segment,
        software=(settings.software_company_name, settings.software_id, settings.software_version),
        engine_factory=(lambda: engine) if engine is not None else None,
        on_close=engine.dispose if engine is not None else None,
    )
