"""Deep health check of the artifact store: a tiny object written, read back by its SHA-256, and deleted.

It proves what a worker needs from the store (reachable, credentials accepted, bucket or directory writable)
and nothing more; the probe's kind ``probe`` expires after a day should a delete ever fail.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from shared.artifacts.config import artifact_store
from shared.artifacts.errors import ArtifactIntegrityError
from shared.artifacts.model import ArtifactStore
from shared.health import DeepCheck

__all__ = ["PROBE_KIND", "artifact_check", "probe"]

PROBE_KIND = "probe"


def probe(store: ArtifactStore) -> Mapping[str, Any]:
    """Put, read back and delete a small object; raises (an artifact error) when any step fails."""
    payload = f"workers-core probe {time.time_ns()}".encode()
    started = time.perf_counter()
    ref = store.put(payload, name="probe.txt", content_type="text/plain", kind=PROBE_KIND)
    try:
        if hashlib.sha256(store.get(ref.key)).hexdigest() != ref.sha256:
            raise ArtifactIntegrityError("the probe read back differs from what was written")
    finally:
        store.delete(ref.key)
    return {
        "store": type(store).__name__,
        "round_trip_ms": round((time.perf_counter() - started) * 1000, 1),
        "links": ref.url is not None,
    }


def artifact_check(store: Callable[[], ArtifactStore] = artifact_store, timeout: float = 10.0) -> DeepCheck:
    """The ``artifact-store`` deep check (add it to a WorkerSpec's ``deep_checks``)."""
    return DeepCheck("artifact-store", lambda: probe(store()), timeout=timeout)
