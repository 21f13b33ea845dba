"""Deep health checks of the ``anaf.saft`` worker (run by /readyz?deep=true with a 5 s timeout).

``saft-duk``: DUKIntegrator and Java are where ``ANAF_DUK_DIR`` / ``ANAF_DUK_JAVA`` say (or DUK is not
configured, which is reported, not a failure). ``saft-artifact-space``: at least 1 GiB free for the files.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from typing import Any

from anaf_saft.config import SaftSettings
from anaf_saft.errors import SaftConfigurationError, SaftStorageError
from shared.artifacts import FilesystemArtifactStore, artifact_store
from shared.artifacts.health import probe
from shared.health import DeepCheck

__all__ = ["MIN_FREE_BYTES", "deep_checks"]

MIN_FREE_BYTES = 1 << 30


def _duk(settings: SaftSettings) -> Mapping[str, Any]:
    if settings.duk_dir is None:
        return {"duk": "not configured"}
    if not (settings.duk_dir / "DUKIntegrator.jar").is_file():
        raise SaftConfigurationError(f"DUKIntegrator.jar not found in ANAF_DUK_DIR={settings.duk_dir}")
    if shutil.which(settings.duk_java) is None:
        raise SaftConfigurationError(f"{settings.duk_java} not found on PATH (ANAF_DUK_JAVA)")
    return {"duk": str(settings.duk_dir)}


def _artifact_space() -> Mapping[str, Any]:
    store = artifact_store()
    if not isinstance(store, FilesystemArtifactStore):
        return probe(store)  # object storage: reachable and writable is what matters
    root = store.root
    root.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(root).free
    if free < MIN_FREE_BYTES:
        raise SaftStorageError(f"less than 1 GiB free under {root}")
    return {"free_bytes": free}


def deep_checks(settings: SaftSettings) -> list[DeepCheck]:
    return [DeepCheck("saft-duk", lambda: _duk(settings)), DeepCheck("saft-artifact-space", _artifact_space)]
