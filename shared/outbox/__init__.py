"""One outbox for every worker that must file something exactly once (e-Factura, e-Transport, REGES).

PostgreSQL through SQLAlchemy 2, the schema kept by the Alembic migrations of this package (version table
``workers_core_outbox_version``; ``workers-core outbox migrate|status``). A worker opens its namespace::

    engine = outbox_engine(settings.database_url, environment=settings.workers_core_env)
    box = Outbox(engine, "efactura")

Outside development (``WORKERS_CORE_ENV`` not development/dev/test) SQLite or a missing database URL is
refused with one line (``OutboxConfigError``); runtime failures are ``OutboxUnavailable``/``OutboxBusy``.
"""

from shared.outbox.database import DEVELOPMENT_ENVIRONMENTS, check_database, normalize_url, outbox_engine
from shared.outbox.errors import OutboxBusy, OutboxConfigError, OutboxError, OutboxUnavailable
from shared.outbox.migration import MigrationStatus, migrate, require_head, status
from shared.outbox.startup import open_outbox
from shared.outbox.store import UNSET, Outbox, OutboxRow

__all__ = [
    "DEVELOPMENT_ENVIRONMENTS",
    "UNSET",
    "MigrationStatus",
    "Outbox",
    "OutboxBusy",
    "OutboxConfigError",
    "OutboxError",
    "OutboxRow",
    "OutboxUnavailable",
    "check_database",
    "migrate",
    "normalize_url",
    "open_outbox",
    "outbox_engine",
    "require_head",
    "status",
]
