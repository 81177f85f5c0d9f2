"""Agents' credentials: API tokens, console passwords, and console sessions.

Credentials are one table for both kinds: API tokens (`token`, SHA-256 of a long
random secret) and console passwords (`password`, a salted scrypt hash); sessions
are their own table. Only hashes are stored.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.repository import as_utc, utcnow
from bot.store.schema import agent_credentials, agent_sessions
from core.actors import SessionRow
from core.clock import Clock
from handoff.passwords import hash_secret

TOKEN, PASSWORD = "token", "password"


class CredentialRepository:
    """Agents' tokens, passwords and console sessions, by agent id."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    async def add_credential(
        self, agent_id: int, kind: str, secret_hash: str, expires_at: datetime | None = None
    ) -> None:
        """Store a hashed token (with when it expires) or password for an agent."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(agent_credentials).values(
                    agent_id=agent_id,
                    kind=kind,
                    secret_hash=secret_hash,
                    created_at=self.clock(),
                    expires_at=expires_at,
                )
            )

    async def agent_for_token(self, token: str, now: datetime) -> int | None:
        """The agent a bearer token belongs to, if it is neither revoked nor expired."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                sa.select(agent_credentials.c.agent_id).where(
                    agent_credentials.c.secret_hash == hash_secret(token),
                    agent_credentials.c.kind == TOKEN,
                    agent_credentials.c.revoked_at.is_(None),
                    agent_credentials.c.expires_at > now,
                )
            )
            found = result.scalar_one_or_none()
        return int(found) if found is not None else None

    async def revoke_all(self, agent_id: int) -> tuple[int, int]:
        """Revoke an agent's API tokens and console sessions: (tokens, sessions) revoked."""
        now = self.clock()
        async with self.engine.begin() as conn:
            tokens = await conn.execute(_revoke(agent_id, TOKEN, now))
            sessions = await conn.execute(
                sa.update(agent_sessions)
                .where(agent_sessions.c.agent_id == agent_id, agent_sessions.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        return int(tokens.rowcount), int(sessions.rowcount)

    # Passwords

    async def set_password(self, agent_id: int, password_hash: str) -> None:
        """Store a new password hash; the agent's earlier passwords stop working."""
        now = self.clock()
        async with self.engine.begin() as conn:
            await conn.execute(_revoke(agent_id, PASSWORD, now))
            await conn.execute(
                sa.insert(agent_credentials).values(
                    agent_id=agent_id, kind=PASSWORD, secret_hash=password_hash, created_at=now
                )
            )

    async def password_hash(self, agent_id: int | None) -> str | None:
        """The agent's current password hash, if they have one.

        `None` (an unknown login) runs the same query, which finds nothing: a sign-in
        takes the same time whether or not the login exists.
        """
        async with self.engine.connect() as conn:
            result = await conn.execute(
                sa.select(agent_credentials.c.secret_hash)
                .where(
                    agent_credentials.c.agent_id == (agent_id if agent_id is not None else -1),
                    agent_credentials.c.kind == PASSWORD,
                    agent_credentials.c.revoked_at.is_(None),
                )
                .order_by(agent_credentials.c.id.desc())
                .limit(1)
            )
            found = result.scalar_one_or_none()
        return str(found) if found is not None else None

    # Sessions

    async def create_session(self, agent_id: int, secret_hash: str, expires_at: datetime) -> None:
        """Record a sign-in."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(agent_sessions).values(
                    agent_id=agent_id,
                    secret_hash=secret_hash,
                    created_at=self.clock(),
                    expires_at=expires_at,
                )
            )

    async def session(self, secret_hash: str) -> SessionRow | None:
        """A sign-in by the hash of its secret, expired and revoked ones included."""
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        sa.select(agent_sessions).where(agent_sessions.c.secret_hash == secret_hash)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        return SessionRow(
            agent_id=int(row["agent_id"]),
            expires_at=as_utc(row["expires_at"]),
            revoked=row["revoked_at"] is not None,
        )

    async def revoke_session(self, secret_hash: str) -> None:
        """Sign out: the session's cookie stops working."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(agent_sessions)
                .where(
                    agent_sessions.c.secret_hash == secret_hash,
                    agent_sessions.c.revoked_at.is_(None),
                )
                .values(revoked_at=self.clock())
            )

    async def delete_expired_sessions(self, before: datetime) -> None:
        """Forget sessions that expired before the given moment."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(agent_sessions).where(agent_sessions.c.expires_at < before)
            )


def _revoke(agent_id: int, kind: str, now: datetime) -> sa.Update:
    """The update that revokes an agent's live credentials of one kind (token, password)."""
    return (
        sa.update(agent_credentials)
        .where(
            agent_credentials.c.agent_id == agent_id,
            agent_credentials.c.kind == kind,
            agent_credentials.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
