"""The outbox table (``workers_core_outbox``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_outbox"
down_revision = None
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "workers_core_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("namespace", sa.String(64), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("scope", sa.String(64)),
        sa.Column("subject", sa.String(400)),
        sa.Column("content_sha256", sa.String(64)),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(64)),
        sa.Column("data", _json, nullable=False),
        sa.Column("errors", _json),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("namespace", "key", name="workers_core_outbox_key"),
    )
    for name, columns in (
        ("scope", ["namespace", "scope"]),
        ("subject", ["namespace", "subject"]),
        ("ref", ["namespace", "ref"]),
        ("state", ["namespace", "state"]),
    ):
        op.create_index(f"workers_core_outbox_{name}", "workers_core_outbox", columns)


def downgrade() -> None:
    op.drop_table("workers_core_outbox")
