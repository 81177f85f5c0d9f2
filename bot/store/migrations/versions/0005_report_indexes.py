"""Indexes for the care reports: threads by date, escalation and agent; messages by thread.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_threads_created_at": ("threads", ["created_at"]),
    "ix_threads_escalated_at": ("threads", ["escalated_at"]),
    "ix_threads_agent_id": ("threads", ["agent_id"]),
    "ix_messages_thread_author_created": ("messages", ["thread_id", "author", "created_at"]),
    "ix_messages_agent_id": ("messages", ["agent_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
