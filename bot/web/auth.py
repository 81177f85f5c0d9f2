"""Who is calling the agents' API: a bearer token, or the console's session cookie.

The console signs in with a login and password and gets an HttpOnly, SameSite=Strict
cookie holding a random secret; the store keeps only its SHA-256. A request that
changes something with the cookie must also carry an `X-Requested-With` header (which
a cross-site form cannot send), and a foreign `Origin` is refused: the cookie alone
never authorises a write.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sanic import Request
from sanic.response import HTTPResponse

from core.actors import Actor
from core.clock import Clock, utcnow
from core.errors import Forbidden, NotFound, TooManyRequests, Unauthorized
from core.ports import AgentStore
from handoff.directory import AgentDirectory
from handoff.passwords import hash_secret, verify_password
from handoff.settings import ConsoleSettings

SESSION_COOKIE = "fernhill_console"
# Sent to the agents' API and the designers' (`/designer/api`) alike.
COOKIE_PATH = "/"
CSRF_HEADER = "x-requested-with"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRONG_CREDENTIALS = "wrong login or password"
THROTTLE_WINDOW = timedelta(minutes=15)


class SignInThrottle:
    """Counts failed sign-ins per key (login and address) within a sliding window.

    In memory, per worker: cheap, and enough to turn guessing into a crawl.
    """

    def __init__(self, max_failures: int, window: timedelta, clock: Clock = utcnow) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[str, list[datetime]] = {}

    def check(self, key: str) -> None:
        """Refuse when the key failed too often lately."""
        recent = self._recent(key)
        if len(recent) >= self.max_failures:
            wait = recent[0] + self.window - self._clock()
            minutes = max(1, round(wait.total_seconds() / 60))
            raise TooManyRequests(
                f"too many failed sign-ins; try again in {minutes} minute{'s' * (minutes > 1)}"
            )

    def failed(self, key: str) -> None:
        """Count one failure."""
        self._failures[key] = [*self._recent(key), self._clock()]

    def succeeded(self, key: str) -> None:
        """Forget the key's failures."""
        self._failures.pop(key, None)

    def _recent(self, key: str) -> list[datetime]:
        cutoff = self._clock() - self.window
        recent = [moment for moment in self._failures.get(key, []) if moment > cutoff]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent


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
        store: AgentStore,
        settings: ConsoleSettings,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.directory = directory
        self.store = store
        self.settings = settings
        self._clock = clock
        self.throttle = SignInThrottle(settings.max_failed_sign_ins, THROTTLE_WINDOW, clock)

    async def actor(self, request: Request) -> Actor:
        """The caller, from `Authorization: Bearer` or else the session cookie.

        Raises:
            Unauthorized: No credentials, or unknown, revoked or expired ones.
            Forbidden: A cookie-authenticated write without the anti-forgery header,
                or from another origin.
        """
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return await self.directory.authenticate(token.strip())
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
            Unauthorized: The same message whether the login or the password is wrong.
            TooManyRequests: Too many failures for this login from this address.
        """
        key = f"{login.lower()}|{client}"
        self.throttle.check(key)
        try:
            actor: Actor | None = self.directory.actor(login)
        except NotFound:
            actor = None
        stored = await self.store.password_hash(actor.id) if actor is not None else None
        if actor is None or not verify_password(password, stored):
            self.throttle.failed(key)
            raise Unauthorized(WRONG_CREDENTIALS)
        self.throttle.succeeded(key)
        secret = secrets.token_urlsafe(32)
        now = self._clock()
        expires_at = now + timedelta(hours=self.settings.session_hours)
        await self.store.delete_expired_sessions(now - timedelta(days=1))
        await self.store.create_session(actor.id, hash_secret(secret), expires_at)
        return SignIn(actor, secret, expires_at)

    async def sign_out(self, request: Request) -> None:
        """End the request's session, if it has one."""
        secret = request.cookies.get(SESSION_COOKIE)
        if secret:
            await self.store.revoke_session(hash_secret(secret))

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
