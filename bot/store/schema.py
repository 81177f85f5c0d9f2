"""The framework's tables, as SQLAlchemy Core metadata.

Alembic migrations in `bot/store/migrations` create and upgrade them; this module is
their single source of truth for queries.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("display_name", sa.String(255)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("blocked_at", sa.DateTime(timezone=True)),  # the customer blocked the bot
    # Migration 0008: the channel's handle for them, and how they asked to be reached.
    sa.Column("username", sa.String(64)),
    sa.Column("email", sa.String(254)),
    sa.Column("telegram", sa.String(33)),
    sa.Column("contact_left_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("channel", "external_id", name="uq_customers_channel_external_id"),
)

# The order numbers a customer mentioned (migration 0008), each once, with where and when last.
customer_orders = sa.Table(
    "customer_orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("order_number", sa.String(32), nullable=False),
    sa.Column("thread_id", sa.Integer, sa.ForeignKey("threads.id"), nullable=False),
    sa.Column("mentioned_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint(
        "customer_id", "order_number", name="uq_customer_orders_customer_id_order_number"
    ),
)

threads = sa.Table(
    "threads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("chat_id", sa.String(255), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    # Handoff: who owns it, why it was escalated, and its service level.
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("team", sa.String(64)),
    sa.Column("language", sa.String(16)),
    sa.Column("topic", sa.String(64)),
    sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("escalated_at", sa.DateTime(timezone=True)),
    sa.Column("escalation_score", sa.Float),
    sa.Column("escalation_reason", sa.Text),
    sa.Column("first_response_at", sa.DateTime(timezone=True)),
    sa.Column("sla_breached_at", sa.DateTime(timezone=True)),
    sa.Column("resolved_at", sa.DateTime(timezone=True)),
    sa.Column("rating", sa.Integer),
)
# At most one open thread per chat; closed ones stay as the customer's history.
sa.Index(
    "uq_threads_open_chat",
    threads.c.channel,
    threads.c.chat_id,
    unique=True,
    sqlite_where=threads.c.closed_at.is_(None),
    postgresql_where=threads.c.closed_at.is_(None),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("thread_id", sa.Integer, sa.ForeignKey("threads.id"), nullable=False, index=True),
    sa.Column("author", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("reply_to_id", sa.Integer, sa.ForeignKey("messages.id")),
    # "channel:chat:message-id" of an inbound delivery; repeats are stored once.
    sa.Column("delivery_key", sa.String(400), unique=True),
    sa.Column("channel_message_id", sa.String(255)),
    sa.Column("payload", sa.JSON),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    # What the engine and the detector made of a customer's message.
    sa.Column("intent", sa.String(128)),
    sa.Column("intent_confidence", sa.Float),
    sa.Column("negativity", sa.Float),
    # A customer's message: when its answers were stored, and who is answering it
    # until when (a lease: a crashed worker's claim lapses). Migration 0006.
    sa.Column("answered_at", sa.DateTime(timezone=True)),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("login", sa.String(64), nullable=False, unique=True),
    sa.Column("presence", sa.String(16), nullable=False),
    sa.Column("presence_changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_assigned_at", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Presence that tells the truth: the last heartbeat, and when its console session ends.
    sa.Column("last_seen_at", sa.DateTime(timezone=True)),
    sa.Column("session_expires_at", sa.DateTime(timezone=True)),
)

agent_credentials = sa.Table(
    "agent_credentials",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # "token" or "password"
    sa.Column("secret_hash", sa.String(255), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("expires_at", sa.DateTime(timezone=True)),  # tokens: migration 0006
)

thread_events = sa.Table(
    "thread_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("thread_id", sa.Integer, sa.ForeignKey("threads.id"), nullable=False, index=True),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("from_state", sa.String(16), nullable=False),
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),  # an agent's login, "bot" or "system"
    sa.Column("reason", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# A channel's own small state that must survive a restart (e.g. Telegram's update offset).
channel_state = sa.Table(
    "channel_state",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Signed-in agents in the console: a session cookie's hash and when it expires.
agent_sessions = sa.Table(
    "agent_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False, index=True),
    sa.Column("secret_hash", sa.String(255), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

# Agents' own canned answers.
snippets = sa.Table(
    "snippets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False, index=True),
    sa.Column("title", sa.String(128), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# The designers' review inbox: what was done with a message the bot missed.
reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id"), nullable=False, unique=True),
    sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # "assigned" or "dismissed"
    sa.Column("intent", sa.String(128)),  # the intent it became an example of
    sa.Column("file", sa.String(512)),  # the file it was written to
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# For the care reports (bot/reports): migration 0005.
sa.Index("ix_threads_created_at", threads.c.created_at)
sa.Index("ix_threads_escalated_at", threads.c.escalated_at)
sa.Index("ix_threads_agent_id", threads.c.agent_id)
sa.Index(
    "ix_messages_thread_author_created",
    messages.c.thread_id,
    messages.c.author,
    messages.c.created_at,
)
sa.Index("ix_messages_agent_id", messages.c.agent_id)

# A chat's threads, open or closed, for what still waits to be delivered: migration 0006.
sa.Index("ix_threads_channel_chat_id", threads.c.channel, threads.c.chat_id)
# For the customers' earlier threads (bot/store/customers.py): migration 0008.
sa.Index("ix_threads_customer_id", threads.c.customer_id)

# Sign-in (migration 0009): failed attempts shared by every worker, and the audit trail.
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(200), nullable=False),  # "login:maya" or "address:10.0.0.7"
    sa.Column("attempt", sa.String(64), nullable=False),
    sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
sa.Index("ix_sign_in_failures_key_failed_at", sign_in_failures.c.key, sign_in_failures.c.failed_at)

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event", sa.String(32), nullable=False),  # sign_in, sign_in_failed, revoked...
    sa.Column("login", sa.String(64)),  # whose credentials (as typed, for a failure)
    sa.Column("address", sa.String(64)),  # the client's address, or "command line"
    sa.Column("detail", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

# Presence over time (migration 0010): each change, for the agents' time online.
presence_log = sa.Table(
    "presence_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("presence", sa.String(16), nullable=False),  # online, away, offline
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_presence_log_agent_id_changed_at", presence_log.c.agent_id, presence_log.c.changed_at)
