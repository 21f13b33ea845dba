"""Task gateway: HTTP front door of workers-core for non-Python callers (JWT scopes, contracts, confirms)."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
