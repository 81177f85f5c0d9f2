"""Each customer message answered once, across workers, processes and restarts.

The delivery that stores a message claims it (`bot.store.answer_claims`) and answers
it; a repeated delivery (a client's retry, a copy arriving at another worker) waits
for those answers, polling the store (or woken at once when the answer is this
process's own), and takes the claim over only if the first attempt failed (released)
or died (its lease lapsed). Then the engine is told it is a repeat, so that rasa's
answer, if rasa got that far, is read from its tracker instead of run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable

from bot.store import Database
from bot.store.messages import Annotation
from core import timing
from core.errors import EngineUnavailable
from core.messages import Outbound, StoredMessage

FIRST_POLL_SECONDS = 0.05
LAST_POLL_SECONDS = 0.5


def new_claim_token() -> str:
    """A token naming one attempt at answering a message."""
    return uuid.uuid4().hex


class ExactlyOnce:
    """Runs a message's answering once, and gives every delivery of it the same answers.

    Args:
        store: The store holding the claims and the answers.
        lease_seconds: How long a claim holds without an answer: longer than any
            answer may take (the engine's time limits), so only a dead claimant's lapses.
    """

    def __init__(self, store: Database, lease_seconds: float) -> None:
        self.store = store
        self.lease_seconds = lease_seconds
        self._answered_here: dict[int, asyncio.Event] = {}

    async def answer(
        self,
        message: StoredMessage,
        claim: str | None,
        respond: Callable[[bool], Awaitable[list[Outbound]]],
        *,
        sent: bool,
        annotation: Callable[[], Annotation | None] = lambda: None,
    ) -> list[StoredMessage]:
        """The stored answers to `message`, answering it if nobody else does.

        Args:
            message: The stored customer message.
            claim: The token this delivery claimed it with when storing it, or None
                for a repeated delivery (which waits, or takes the claim over).
            respond: Works the answer out; called with True when an earlier attempt
                may have gone part of the way (then the engine checks what it did).
            sent: The answers count as delivered once stored (the response carries them).
            annotation: What answering made of the message, not stored yet: kept
                with the answers (or with the released claim, if answering fails).
        """
        repeat = claim is None
        while True:
            if claim is None:
                turn = await self._wait_for_turn(message.id)
                if isinstance(turn, list):
                    return turn
                claim = turn
            stored = await self._answer_with(
                message, claim, respond, repeat=repeat, sent=sent, annotation=annotation
            )
            if stored is not None:
                return stored
            # Our lease lapsed and another attempt took the claim: its answers count.
            claim, repeat = None, True

    async def _answer_with(
        self,
        message: StoredMessage,
        claim: str,
        respond: Callable[[bool], Awaitable[list[Outbound]]],
        *,
        repeat: bool,
        sent: bool,
        annotation: Callable[[], Annotation | None],
    ) -> list[StoredMessage] | None:
        """Answer under `claim` and store the answers; None if the claim was lost."""
        done = self._answered_here.setdefault(message.id, asyncio.Event())
        try:
            replies = await respond(repeat)
            with timing.stage("store.replies"):
                return await self.store.claims.complete(
                    message, claim, replies, sent=sent, annotation=annotation()
                )
        except BaseException:
            await asyncio.shield(self.store.claims.release(message.id, claim, annotation()))
            raise
        finally:
            done.set()
            self._answered_here.pop(message.id, None)

    async def _wait_for_turn(self, message_id: int) -> list[StoredMessage] | str:
        """The answers once stored, or a claim token if answering falls to us.

        Bounded: a claim lapses within its lease, so after twice that the wait gives
        up (a 503: the client may retry).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2 * self.lease_seconds
        pause = FIRST_POLL_SECONDS
        while loop.time() < deadline:
            state = await self.store.claims.state(message_id)
            if state.answered:
                return await self.store.messages.replies_to(message_id)
            if state.free(self.store.clock()):
                token = new_claim_token()
                if await self.store.claims.take(message_id, token, self.lease_seconds):
                    return token
                continue
            await self._pause(message_id, pause)
            pause = min(pause * 2, LAST_POLL_SECONDS)
        raise EngineUnavailable("an earlier delivery of this message is still being answered")

    async def _pause(self, message_id: int, seconds: float) -> None:
        """Wait before looking again: woken early if this process is the one answering."""
        answering_here = self._answered_here.get(message_id)
        if answering_here is None:
            await asyncio.sleep(seconds)  # another process answers: poll the store
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(answering_here.wait(), timeout=seconds)
