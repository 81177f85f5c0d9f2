"""The outbox and exactly-once answers: who is answering a customer message, and when
its answers were stored; threads found by chat (a customer's earlier threads too).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("answered_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("claimed_by", sa.String(64)))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True)))
    # Messages stored before this revision were answered by then.
    op.execute("UPDATE messages SET answered_at = created_at WHERE author = 'customer'")
    op.create_index("ix_threads_channel_chat_id", "threads", ["channel", "chat_id"])


def downgrade() -> None:
    op.drop_index("ix_threads_channel_chat_id", table_name="threads")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
        batch.drop_column("answered_at")
