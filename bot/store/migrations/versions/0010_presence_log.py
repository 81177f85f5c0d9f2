"""Presence over time: every change of an agent's presence, for their time online.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
        sa.Column("presence", sa.String(16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_presence_log_agent_id_changed_at", "presence_log", ["agent_id", "changed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_presence_log_agent_id_changed_at", table_name="presence_log")
    op.drop_table("presence_log")
