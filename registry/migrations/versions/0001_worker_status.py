"""worker_status: one row per worker instance.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from registry.models import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_status",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("instance_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("health_endpoint", sa.String(length=500), nullable=True),
        sa.Column("health_score", sa.Integer(), nullable=False),
        sa.Column("scrape_failures", sa.Integer(), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("status_since", UTCDateTime(), nullable=False),
        sa.Column("last_scrape_at", UTCDateTime(), nullable=True),
        sa.Column("metrics", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('running', 'idle', 'error', 'stopped')", name="ck_worker_status_status"),
        sa.PrimaryKeyConstraint("id", name="pk_worker_status"),
        sa.UniqueConstraint("tag", "instance_id", name="uq_worker_status_tag_instance"),
    )
    op.create_index("ix_worker_status_tag", "worker_status", ["tag"])
    op.create_index("ix_worker_status_status", "worker_status", ["status"])
    op.create_index("ix_worker_status_last_seen", "worker_status", ["last_seen"])


def downgrade() -> None:
    op.drop_index("ix_worker_status_last_seen", table_name="worker_status")
    op.drop_index("ix_worker_status_status", table_name="worker_status")
    op.drop_index("ix_worker_status_tag", table_name="worker_status")
    op.drop_table("worker_status")
