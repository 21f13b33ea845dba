"""Fixtures for the SAF-T tests: the official XSD (compiled once), a store, a generator, sample exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from anaf_saft.duk import DukValidator
from anaf_saft.service import SaftGenerator
from anaf_saft.xsd import SaftSchema
from shared.artifacts import FilesystemArtifactStore
from shared.schemas import get_store


@pytest.fixture(scope="session")
def saft_schema() -> SaftSchema:
    return SaftSchema.from_store(get_store())


@pytest.fixture
def store(tmp_path: Path) -> FilesystemArtifactStore:
    return FilesystemArtifactStore(tmp_path / "artifacts", max_bytes=10 * 1024 * 1024)


@pytest.fixture
def make_generator(store, saft_schema):
    def _make(*, max_lines: int = 500_000, duk: DukValidator | None = None, engine_factory=None) -> SaftGenerator:
        return SaftGenerator(
            store,
            schema=saft_schema,
            duk=duk or DukValidator(None),
            max_lines_per_segment=max_lines,
            software=("workers-core", "workers-core anaf.saft", "0.1.0"),
            engine_factory=engine_factory,
        )

    return _make
