"""Task history (events + per-task summary) and the append-only audit log."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_console"
down_revision = None
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(JSONB(), "postgresql")

_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION console_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'console_audit is append-only (% refused)', TG_OP USING ERRCODE = '42501';
END $$;
CREATE TRIGGER console_audit_no_change BEFORE UPDATE OR DELETE ON console_audit
  FOR EACH ROW EXECUTE FUNCTION console_audit_append_only();
CREATE TRIGGER console_audit_no_truncate BEFORE TRUNCATE ON console_audit
  FOR EACH STATEMENT EXECUTE FUNCTION console_audit_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "console_task_events",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("worker", sa.String(200)),
        sa.Column("retries", sa.Integer),
        sa.Column("data", _json),
    )
    op.create_index("console_task_events_task", "console_task_events", ["task_id", "at"])
    op.create_index("console_task_events_at", "console_task_events", ["at"])
    op.create_table(
        "console_tasks",
        sa.Column("task_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("worker", sa.String(200)),
        sa.Column("queue", sa.String(200)),
        sa.Column("correlation_id", sa.String(200)),
        sa.Column("tenant", sa.String(200)),
        sa.Column("idempotency_key", sa.String(400)),
        sa.Column("root_id", sa.String(64)),
        sa.Column("parent_id", sa.String(64)),
        sa.Column("retries", sa.Integer, nullable=False, server_default="0"),
        sa.Column("kwargs", _json),
        sa.Column("result", sa.Text),
        sa.Column("error", _json),
        sa.Column("runtime", sa.Float),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
    )
    for name, columns in (
        ("name", ["name", "last_at"]),
        ("state", ["state", "last_at"]),
        ("worker", ["worker", "last_at"]),
        ("last_at", ["last_at"]),
        ("correlation", ["correlation_id"]),
        ("tenant", ["tenant", "last_at"]),
        ("idempotency", ["idempotency_key"]),
    ):
        op.create_index(f"console_tasks_{name}", "console_tasks", columns)
    op.create_table(
        "console_audit",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(400)),
        sa.Column("params", _json),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("source", sa.String(100)),
    )
    op.create_index("console_audit_at", "console_audit", ["at"])
    op.create_index("console_audit_actor", "console_audit", ["actor", "at"])
    op.create_index("console_audit_action", "console_audit", ["action", "at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY)


def downgrade() -> None:
    op.drop_table("console_audit")
    op.execute("DROP FUNCTION IF EXISTS console_audit_append_only()")
    op.drop_table("console_tasks")
    op.drop_table("console_task_events")
