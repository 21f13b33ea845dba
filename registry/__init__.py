"""Worker Registry service: FastAPI + SQLAlchemy + Redis (heartbeats, failure detection, discovery, scaling)."""

__version__ = "1.0.0"
__all__ = ["__version__"]
