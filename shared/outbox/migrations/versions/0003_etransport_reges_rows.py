"""Rows of the e-Transport and REGES outboxes of earlier releases copied into the shared outbox.

Earlier releases kept ``etransport_submissions`` (one row per declaration, keyed by its idempotency key),
``reges_submissions`` (MessageId <-> ResponseId) and ``reges_results`` (every result drained, keyed by its
digest) in tables of their own. Each row lands in its namespace (``etransport``, ``reges``, ``reges-results``)
under the same key, so a declaration or a message already filed is recognised and never filed twice; a key
already present in the shared outbox is left alone, so running this again copies nothing twice. Nothing happens
when the old tables do not exist (a fresh install). The old tables stay in place for the operator to drop.
PostgreSQL only: the old outboxes that held anything filed ran there (a SQLite file was a pod's own scratch).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_etransport_reges_rows"
down_revision = "0002_efactura_rows"
branch_labels = None
depends_on = None

_COLUMNS = "namespace, key, scope, subject, content_sha256, state, ref, data, errors, attempts, created_at, updated_at, finished_at"
_ETRANSPORT = """SELECT 'etransport', e.key, e.cif, NULL, e.xml_sha256, e.state, e.index_incarcare::text,
    jsonb_build_object(
        'kind', e.kind, 'declarant_ref', e.declarant_ref, 'xml_artifact', e.xml_artifact, 'uit', e.uit,
        'polls', COALESCE(e.polls, 0),
        'upload_started_at', to_char(e.upload_started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')),
    COALESCE(NULLIF(e.errors, '')::jsonb, '[]'::jsonb), 0, e.created_at, e.updated_at,
    CASE WHEN e.state IN ('ok', 'nok') THEN e.updated_at END
    FROM etransport_submissions e
    WHERE NOT EXISTS (SELECT 1 FROM workers_core_outbox w WHERE w.namespace = 'etransport' AND w.key = e.key)
    ORDER BY e.created_at, e.key"""

_REGES = """SELECT 'reges', s.message_id, s.employer_cui, NULL, NULL, s.state, s.response_id,
    jsonb_strip_nulls(jsonb_build_object(
        'kind', s.kind, 'operation', s.operation, 'result_code', s.result_code, 'result_ref', s.result_ref,
        'description', s.description)),
    NULL, 0, s.created_at, s.updated_at,
    CASE WHEN s.state IN ('succeeded', 'failed') THEN s.updated_at END
    FROM reges_submissions s
    WHERE NOT EXISTS (SELECT 1 FROM workers_core_outbox w WHERE w.namespace = 'reges' AND w.key = s.message_id)
    ORDER BY s.created_at, s.message_id"""

_REGES_RESULTS = """SELECT 'reges-results', r.digest, NULL, NULLIF(r.message_id, ''), NULL, 'received', NULL,
    jsonb_build_object('response_id', COALESCE(r.response_id, ''), 'result', r.raw::jsonb),
    NULL, 0, r.received_at, r.received_at, NULL
    FROM reges_results r
    WHERE NOT EXISTS (SELECT 1 FROM workers_core_outbox w WHERE w.namespace = 'reges-results' AND w.key = r.digest)
    ORDER BY r.id"""

#: old table -> the SELECT that yields its rows as shared-outbox rows (oldest first, new keys only)
COPIES = {"etransport_submissions": _ETRANSPORT, "reges_submissions": _REGES, "reges_results": _REGES_RESULTS}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    inspector = sa.inspect(bind)
    for table, select in COPIES.items():
        if inspector.has_table(table):
            op.execute(f"INSERT INTO workers_core_outbox ({_COLUMNS}) {select}")


def downgrade() -> None:
    """The copied rows stay: the old tables were never changed."""
