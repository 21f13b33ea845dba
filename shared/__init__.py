"""workers-core platform: the runtime every worker stands on (no tasks live here).

Importing this package first points ``prometheus_client`` at a multiprocess directory (unless one is
configured), because the value class is chosen when ``prometheus_client`` is first imported and the
prefork pool children must all write their samples where the parent's ``/metrics`` can read them.
"""

from __future__ import annotations

import os as _os
import tempfile as _tempfile

if not _os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _dir = _os.path.join(_tempfile.gettempdir(), f"workers-core-metrics-{_os.getpid()}")
    _os.makedirs(_dir, exist_ok=True)
    _os.environ["PROMETHEUS_MULTIPROC_DIR"] = _dir

__version__ = "0.1.0"
__all__ = ["__version__"]
