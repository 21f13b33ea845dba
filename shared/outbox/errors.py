"""The outbox's exception tree: what a caller of ``shared.outbox`` may catch.

OutboxError (TransientError)   the outbox could not do what was asked right now (retried)
├── OutboxUnavailable          the database cannot be reached or dropped the connection
└── OutboxBusy                 lock contention the database gave up on (deadlock, lock timeout)
OutboxConfigError (ValueError) refused configuration: SQLite or no database outside development,
                               or a schema older than the code (run ``workers-core outbox migrate``)
"""

from __future__ import annotations

from shared.errors import TransientError

__all__ = ["OutboxBusy", "OutboxConfigError", "OutboxError", "OutboxUnavailable"]


class OutboxError(TransientError):
    """Root of the outbox's runtime errors; transient, so the task is retried."""

    code = "outbox_error"


class OutboxUnavailable(OutboxError):
    """The database is unreachable (connect refused or timed out, connection lost)."""

    code = "outbox_unavailable"


class OutboxBusy(OutboxError):
    """Another transaction held the rows and the database aborted ours (deadlock, lock or statement timeout)."""

    code = "outbox_busy"


class OutboxConfigError(ValueError):
    """A configuration the outbox refuses; the message is one line meant for the operator."""
