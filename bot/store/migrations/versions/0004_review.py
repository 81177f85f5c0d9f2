"""The designers' review inbox: what was done with each message the bot missed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer,
            sa.ForeignKey("messages.id", name="fk_reviews_message_id_messages"),
            nullable=False,
        ),
        sa.Column(
            "reviewer_id",
            sa.Integer,
            sa.ForeignKey("agents.id", name="fk_reviews_reviewer_id_agents"),
            nullable=False,
        ),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("intent", sa.String(128)),
        sa.Column("file", sa.String(512)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("message_id", name="uq_reviews_message_id"),
    )


def downgrade() -> None:
    op.drop_table("reviews")
