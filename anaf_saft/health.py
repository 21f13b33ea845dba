"""Deep health checks of the ``anaf.saft`` worker (run by /readyz?deep=true with a 5 s timeout)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from typing import Any

from anaf_saft.config import get_settings
from shared.artifacts import FilesystemArtifactStore, artifact_store
from shared.artifacts.health import probe
from shared.health import DeepCheck

__all__ = ["DEEP_CHECKS"]


def _duk() -> Mapping[str, Any]:
    s = get_settings()
    out: dict[str, Any] = {}
    if s.duk_dir is None:
        out["duk"] = "not configured"
    else:
        if not (s.duk_dir / "DUKIntegrator.jar").is_file():
            raise RuntimeError(f"DUKIntegrator.jar not found in ANAF_DUK_DIR={s.duk_dir}")
        if shutil.which(s.duk_java) is None:
            raise RuntimeError(f"{s.duk_java} not found on PATH")
        out["duk"] = str(s.duk_dir)
    return out


def _artifact_space() -> Mapping[str, Any]:
    store = artifact_store()
    if not isinstance(store, FilesystemArtifactStore):
        return probe(store)  # object storage: reachable and writable is what matters
    root = store.root
    root.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(root).free
    if free < 1 << 30:
        raise RuntimeError(f"less than 1 GiB free under {root}")
    return {"free_bytes": free}


DEEP_CHECKS: list[DeepCheck] = [DeepCheck("saft-duk", _duk), DeepCheck("saft-artifact-space", _artifact_space)]
