"""Sign-in: failed attempts shared by workers, expiring API tokens, the audit trail.

Tokens issued before this migration expire 30 days after they were issued.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

EARLIER_TOKENS_LAST = timedelta(days=30)


def upgrade() -> None:
    with op.batch_alter_table("agent_credentials") as table:
        table.add_column(sa.Column("expires_at", sa.DateTime(timezone=True)))
    credentials = sa.table(
        "agent_credentials",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    tokens = connection.execute(
        sa.select(credentials.c.id, credentials.c.created_at).where(credentials.c.kind == "token")
    ).all()
    for token_id, created_at in tokens:
        connection.execute(
            sa.update(credentials)
            .where(credentials.c.id == token_id)
            .values(expires_at=created_at + EARLIER_TOKENS_LAST)
        )
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("attempt", sa.String(64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sign_in_failures_failed_at", "sign_in_failures", ["failed_at"])
    op.create_index("ix_sign_in_failures_key_failed_at", "sign_in_failures", ["key", "failed_at"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("login", sa.String(64)),
        sa.Column("address", sa.String(64)),
        sa.Column("detail", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audit_events_created_at", "audit_events", ["created_at"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("sign_in_failures")
    with op.batch_alter_table("agent_credentials") as table:
        table.drop_column("expires_at")
