"""Where tests find the official artefacts: the installed schemas directory (``workers-core schemas install``)."""

from __future__ import annotations

import os
from pathlib import Path

from shared.schemas import MIRROR_ENV, get_store

REPO = Path(__file__).resolve().parent.parent


def installed(name: str, file: str) -> Path:
    """A verified file of artefact ``name`` from the schemas directory the product itself uses."""
    return get_store().path(name, file)


def installed_dir(name: str) -> Path:
    """The verified directory of artefact ``name``."""
    return get_store().directory(name)


def mirror_dir() -> Path:
    """A local mirror to install from: ``WORKERS_CORE_SCHEMAS_MIRROR``, else the installed directory itself."""
    raw = os.environ.get(MIRROR_ENV)
    return Path(raw) if raw else get_store().root
