"""Per-process wiring of the SAF-T generator (XSD compiled once, SQL engine created once)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine

from anaf_saft.config import SaftSettings, get_settings
from anaf_saft.duk import DukValidator
from anaf_saft.service import SaftGenerator
from anaf_saft.xsd import ARTEFACT, XSD_FILE, SaftSchema
from shared.artifacts import artifact_store
from shared.resources import ProcessResource
from shared.schemas import get_store
from shared.schemas.requirement import SchemaRequirement

__all__ = ["SCHEMAS", "build_generator", "generator"]


def _schema() -> SaftSchema:
    return SaftSchema.from_store(get_store(), xsd=get_settings().xsd_path)


#: The D406 XSD: refused start-up outside development when unusable, deep check, schema_info metric.
SCHEMAS = SchemaRequirement((ARTEFACT,), lambda: get_store().locate(ARTEFACT, XSD_FILE, get_settings().xsd_path))


def _engine() -> Any:
    url = get_settings().source_database_url
    if url is None:
        return None
    return create_engine(url.get_secret_value(), pool_pre_ping=True)


schema_resource: ProcessResource[SaftSchema] = ProcessResource(_schema, name="saft-xsd")
engine_resource: ProcessResource[Any] = ProcessResource(_engine, close=lambda e: e and e.dispose(), name="saft-sql")


def build_generator(settings: SaftSettings, schema: SaftSchema, engine_factory: Any = None) -> SaftGenerator:
    return SaftGenerator(
        artifact_store(),
        schema=schema,
        duk=DukValidator(settings.duk_dir, java=settings.duk_java, max_memory=settings.duk_max_memory,
                         timeout=settings.duk_timeout),
        max_lines_per_segment=settings.max_lines_per_segment,
        software=(settings.software_company_name, settings.software_id, settings.software_version),
        engine_factory=engine_factory,
    )


def generator() -> SaftGenerator:
    s = get_settings()
    factory = engine_resource.get if s.source_database_url is not None else None
    return build_generator(s, schema_resource.get(), factory)
