"""Handoff: agents, their credentials, thread events, and ownership columns.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("presence", sa.String(16), nullable=False),
        sa.Column("presence_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_assigned_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("login", name="uq_agents_login"),
    )
    op.create_table(
        "agent_credentials",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "agent_id",
            sa.Integer,
            sa.ForeignKey("agents.id", name="fk_agent_credentials_agent_id_agents"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("secret_hash", name="uq_agent_credentials_secret_hash"),
    )
    op.create_index("ix_agent_credentials_agent_id", "agent_credentials", ["agent_id"])
    op.create_table(
        "thread_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "thread_id",
            sa.Integer,
            sa.ForeignKey("threads.id", name="fk_thread_events_thread_id_threads"),
            nullable=False,
        ),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=False),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_thread_events_thread_id", "thread_events", ["thread_id"])
    with op.batch_alter_table("threads") as batch:
        batch.add_column(sa.Column("agent_id", sa.Integer))
        batch.add_column(sa.Column("team", sa.String(64)))
        batch.add_column(sa.Column("language", sa.String(16)))
        batch.add_column(sa.Column("topic", sa.String(64)))
        batch.add_column(sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("escalation_score", sa.Float))
        batch.add_column(sa.Column("escalation_reason", sa.Text))
        batch.add_column(sa.Column("first_response_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("sla_breached_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("rating", sa.Integer))
        batch.create_foreign_key("fk_threads_agent_id_agents", "agents", ["agent_id"], ["id"])
        batch.create_index("ix_threads_state", ["state"])
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("agent_id", sa.Integer))
        batch.add_column(sa.Column("intent", sa.String(128)))
        batch.add_column(sa.Column("intent_confidence", sa.Float))
        batch.add_column(sa.Column("negativity", sa.Float))
        batch.create_foreign_key("fk_messages_agent_id_agents", "agents", ["agent_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint("fk_messages_agent_id_agents", type_="foreignkey")
        for column in ("negativity", "intent_confidence", "intent", "agent_id"):
            batch.drop_column(column)
    with op.batch_alter_table("threads") as batch:
        batch.drop_index("ix_threads_state")
        batch.drop_constraint("fk_threads_agent_id_agents", type_="foreignkey")
        for column in (
            "rating", "resolved_at", "sla_breached_at", "first_response_at",
            "escalation_reason", "escalation_score", "escalated_at", "public",
            "topic", "language", "team", "agent_id",
        ):  # fmt: skip
            batch.drop_column(column)
    op.drop_table("thread_events")
    op.drop_table("agent_credentials")
    op.drop_table("agents")
