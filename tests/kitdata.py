"""Where tests find the official schemas of the kit (never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def kit_data() -> Path:
    """``WORKERS_CORE_KIT_DATA`` or ``<repo>/../shared/data``."""
    return Path(os.environ.get("WORKERS_CORE_KIT_DATA", REPO.parent / "shared" / "data")).resolve()
