"""Failed sign-ins per login and per client address, counted in the shared store.

Each attempt is counted before the password is checked (so that workers racing on
the same login cannot each let one more guess through); an attempt over a limit is
refused with 429 and not counted, a wrong password stays counted, and a success
forgets the login's failures and its own attempt.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from core.clock import Clock, utcnow
from core.errors import TooManyRequests
from core.ports import SignInFailures

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt, counted under its keys."""

    id: str
    login_key: str
    address_key: str


class SignInThrottle:
    """Limits failed sign-ins per login and per address within a sliding window."""

    def __init__(
        self,
        failures: SignInFailures,
        *,
        per_login: int,
        per_address: int,
        window: timedelta = WINDOW,
        clock: Clock = utcnow,
    ) -> None:
        self.failures = failures
        self.limits = {"login": per_login, "address": per_address}
        self.window = window
        self._clock = clock

    async def begin(self, login: str, address: str) -> Attempt:
        """Count an attempt, or refuse it when the login or the address failed too often.

        Raises:
            TooManyRequests: Over a limit; the message says how long to wait.
        """
        attempt = Attempt(
            secrets.token_hex(16), f"login:{login.lower()}", f"address:{address or '-'}"
        )
        now = self._clock()
        waits = []
        for kind, key in (("login", attempt.login_key), ("address", attempt.address_key)):
            count, oldest = await self.failures.add(key, attempt.id, now, self.window)
            if count > self.limits[kind]:
                waits.append(oldest + self.window - now)
        if waits:
            await self._forget(attempt)
            minutes = max(1, round(max(waits).total_seconds() / 60))
            raise TooManyRequests(
                f"too many failed sign-ins; try again in {minutes} minute{'s' * (minutes > 1)}"
            )
        return attempt

    async def succeeded(self, attempt: Attempt) -> None:
        """The password was right: forget the login's failures, and this attempt."""
        await self.failures.clear(attempt.login_key)
        await self.failures.remove(attempt.address_key, attempt.id)

    async def _forget(self, attempt: Attempt) -> None:
        await self.failures.remove(attempt.login_key, attempt.id)
        await self.failures.remove(attempt.address_key, attempt.id)
