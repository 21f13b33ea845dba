"""Alembic environment of the outbox: runs on the connection ``shared.outbox.migration`` hands over."""

from __future__ import annotations

from alembic import context

from shared.outbox.schema import VERSION_TABLE, metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
