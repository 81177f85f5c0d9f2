"""Customer profiles: the channel's handle, a contact they left, the orders they mentioned.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("username", sa.String(64)))
        batch.add_column(sa.Column("email", sa.String(254)))
        batch.add_column(sa.Column("telegram", sa.String(33)))
        batch.add_column(sa.Column("contact_left_at", sa.DateTime(timezone=True)))
    op.create_table(
        "customer_orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "customer_id",
            sa.Integer,
            sa.ForeignKey("customers.id", name="fk_customer_orders_customer_id_customers"),
            nullable=False,
        ),
        sa.Column("order_number", sa.String(32), nullable=False),
        sa.Column(
            "thread_id",
            sa.Integer,
            sa.ForeignKey("threads.id", name="fk_customer_orders_thread_id_threads"),
            nullable=False,
        ),
        sa.Column("mentioned_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "customer_id", "order_number", name="uq_customer_orders_customer_id_order_number"
        ),
    )
    op.create_index("ix_threads_customer_id", "threads", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_threads_customer_id", table_name="threads")
    op.drop_table("customer_orders")
    with op.batch_alter_table("customers") as batch:
        for column in ("contact_left_at", "telegram", "email", "username"):
            batch.drop_column(column)
