"""Who is calling the agents' API: a bearer token, or the console's session cookie.

The console signs in with a login and password and gets an HttpOnly, SameSite=Strict
cookie holding a random secret; the store keeps only its SHA-256. A request that
changes something with the cookie must also carry an `X-Requested-With` header (which
a cross-site form cannot send), and a foreign `Origin` is refused: the cookie alone
never authorises a write.

Failed sign-ins are counted in the shared store (`bot.web.sign_in_throttle`); an
unknown login costs the same query and the same scrypt check (against a dummy hash)
as a known one. Sign-ins, failures and sign-outs go to the audit trail.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sanic import Request
from sanic.response import HTTPResponse

from bot.web.sign_in_throttle import SignInThrottle
from core.actors import Actor
from core.clock import Clock, utcnow
from core.errors import Forbidden, NotFound, TooManyRequests, Unauthorized
from core.ports import AuditLog, CredentialStore, SignInFailures
from handoff.directory import AgentDirectory
from handoff.passwords import hash_password, hash_secret, verify_password
from handoff.settings import ConsoleSettings

SESSION_COOKIE = "fernhill_console"
# Sent to the agents' API and the designers' (`/designer/api`) alike.
COOKIE_PATH = "/"
CSRF_HEADER = "x-requested-with"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRONG_CREDENTIALS = "wrong login or password"


@dataclass(frozen=True)
class SignIn:
    """A new console session: the secret goes into the cookie, once."""

    actor: Actor
    secret: str
    expires_at: datetime


class Authenticator:
    """Turns a request into an `Actor`, and signs agents in and out of the console."""

    def __init__(
        self,
        directory: AgentDirectory,
        store: CredentialStore,
        settings: ConsoleSettings,
        *,
        failures: SignInFailures,
        audit: AuditLog,
        clock: Clock = utcnow,
    ) -> None:
        self.directory = directory
        self.store = store
        self.settings = settings
        self.audit = audit
        self._clock = clock
        self.throttle = SignInThrottle(
            failures,
            per_login=settings.max_failed_sign_ins,
            per_address=settings.max_failed_sign_ins_per_address,
            clock=clock,
        )
        # Checked for unknown logins, so that they cost what a known one costs.
        self._dummy_hash = hash_password(secrets.token_urlsafe(16))

    async def actor(self, request: Request) -> Actor:
        """The caller, from `Authorization: Bearer` or else the session cookie.

        Raises:
            Unauthorized: No credentials, or unknown, revoked or expired ones.
            Forbidden: A cookie-authenticated write without the anti-forgery header,
                or from another origin.
        """
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return await self.directory.authenticate(token.strip(), self._clock())
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            raise Unauthorized("sign in, or send 'Authorization: Bearer <token>'")
        actor, expires_at = await self._session_actor(secret)
        request.ctx.session_expires_at = expires_at
        if request.method not in SAFE_METHODS:
            check_same_origin(request)
        return actor

    async def sign_in(self, login: str, password: str, client: str) -> SignIn:
        """Check a login and password and open a session.

        Raises:
            Unauthorized: The same message, and the same work, whether the login or
                the password is wrong.
            TooManyRequests: Too many failures for this login, or from this address.
        """
        try:
            attempt = await self.throttle.begin(login, client)
        except TooManyRequests:
            await self.audit.record("sign_in_throttled", login, client)
            raise
        try:
            actor: Actor | None = self.directory.actor(login)
        except NotFound:
            actor = None
        stored = await self.store.password_hash(actor.id if actor is not None else None)
        right = await asyncio.to_thread(verify_password, password, stored or self._dummy_hash)
        if actor is None or stored is None or not right:
            await self.audit.record("sign_in_failed", login, client)
            raise Unauthorized(WRONG_CREDENTIALS)
        await self.throttle.succeeded(attempt)
        secret = secrets.token_urlsafe(32)
        now = self._clock()
        expires_at = now + timedelta(hours=self.settings.session_hours)
        await self.store.delete_expired_sessions(now - timedelta(days=1))
        await self.store.create_session(actor.id, hash_secret(secret), expires_at)
        await self.audit.record("sign_in", actor.login, client)
        return SignIn(actor, secret, expires_at)

    async def sign_out(self, request: Request) -> None:
        """End the request's session, if it has one."""
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            return
        session = await self.store.session(hash_secret(secret))
        await self.store.revoke_session(hash_secret(secret))
        if session is not None and not session.revoked:
            actor = self.directory.actor_by_id(session.agent_id)
            login = actor.login if actor is not None else None
            await self.audit.record("sign_out", login, request.remote_addr or request.ip)

    async def close(self) -> None:
        """Release the failure counter's connection (Redis), if it has one."""
        close = getattr(self.throttle.failures, "close", None)
        if close is not None:
            await close()

    def set_cookie(self, response: HTTPResponse, request: Request, sign_in: SignIn) -> None:
        """Give the browser the session cookie."""
        response.cookies[SESSION_COOKIE] = sign_in.secret
        cookie = response.cookies[SESSION_COOKIE]
        cookie["path"] = COOKIE_PATH
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["max-age"] = int(self.settings.session_hours * 3600)
        if request.scheme in ("https", "wss"):
            cookie["secure"] = True

    @staticmethod
    def clear_cookie(response: HTTPResponse) -> None:
        """Tell the browser to forget the session cookie."""
        response.cookies[SESSION_COOKIE] = ""
        response.cookies[SESSION_COOKIE]["path"] = COOKIE_PATH
        response.cookies[SESSION_COOKIE]["max-age"] = 0

    @staticmethod
    def session_end(request: Request) -> datetime | None:
        """When the console session of an authenticated request ends (None: a token)."""
        return getattr(request.ctx, "session_expires_at", None)

    async def _session_actor(self, secret: str) -> tuple[Actor, datetime]:
        session = await self.store.session(hash_secret(secret))
        if session is None or session.revoked:
            raise Unauthorized("you are signed out; sign in again")
        if session.expires_at <= self._clock():
            raise Unauthorized("your session has expired; sign in again")
        actor = self.directory.actor_by_id(session.agent_id)
        if actor is None:
            raise Unauthorized("this agent is no longer configured")
        return actor, session.expires_at


def check_same_origin(request: Request) -> None:
    """Refuse a write that a page on another site could have sent with our cookie.

    Raises:
        Forbidden: The `X-Requested-With` header is missing, or `Origin` names
            another host.
    """
    if not request.headers.get(CSRF_HEADER):
        raise Forbidden(f"send the '{CSRF_HEADER}' header with requests that change things")
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.host:
        raise Forbidden(f"requests from {origin} are not accepted")
