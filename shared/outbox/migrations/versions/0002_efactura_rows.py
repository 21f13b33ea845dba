"""Rows of the e-Factura outbox of earlier releases (``efactura_outbox``) copied into the shared outbox.

Ids are kept (in-flight ``efactura.poll`` tasks and callers hold them) unless another namespace already took
one, in which case that row gets a new id. The old table is left in place for the operator to drop. PostgreSQL
only: the old outbox never ran on anything else.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_efactura_rows"
down_revision = "0001_outbox"
branch_labels = None
depends_on = None

_COLUMNS = "namespace, key, scope, subject, content_sha256, state, ref, data, errors, attempts, created_at, updated_at, finished_at"
_VALUES = """'efactura', e.cif || '|' || e.invoice_key || '|' || e.xml_sha256, e.cif, e.cif || '|' || e.invoice_key,
    e.xml_sha256, e.status, e.upload_index::text,
    jsonb_build_object(
        'invoice_key', e.invoice_key, 'cif', e.cif, 'standard', e.standard, 'b2c', e.b2c, 'flags', e.flags,
        'xml_artifact', e.xml_artifact, 'upload_index', e.upload_index, 'duplicate_index', e.duplicate_index,
        'download_id', e.download_id, 'anaf_state', e.anaf_state, 'zip_artifact', e.zip_artifact,
        'zip_sha256', e.zip_sha256, 'signature', e.signature, 'polls', e.polls,
        'validated_with', to_jsonb(e) -> 'validated_with',
        'intent_at', to_char(e.intent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
        'uploaded_at', to_char(e.uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')),
    e.errors, e.attempts, e.created_at, e.updated_at, e.finished_at"""
_NEW = "NOT EXISTS (SELECT 1 FROM workers_core_outbox w WHERE w.namespace = 'efactura' AND w.key = e.cif || '|' || e.invoice_key || '|' || e.xml_sha256)"

_SYNC_SEQUENCE = (
    "SELECT setval(pg_get_serial_sequence('workers_core_outbox', 'id'), "
    "GREATEST((SELECT max(id) FROM workers_core_outbox), 1))"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not sa.inspect(bind).has_table("efactura_outbox"):
        return
    op.execute(f"""INSERT INTO workers_core_outbox (id, {_COLUMNS}) SELECT e.id, {_VALUES} FROM efactura_outbox e
        WHERE {_NEW} AND NOT EXISTS (SELECT 1 FROM workers_core_outbox t WHERE t.id = e.id)""")  # noqa: S608
    op.execute(_SYNC_SEQUENCE)  # past every kept id before the rest get new ones
    op.execute(f"INSERT INTO workers_core_outbox ({_COLUMNS}) SELECT {_VALUES} FROM efactura_outbox e WHERE {_NEW}")  # noqa: S608
    op.execute(_SYNC_SEQUENCE)


def downgrade() -> None:
    """The copied rows stay: the old table was never changed."""
