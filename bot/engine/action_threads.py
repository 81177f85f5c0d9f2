"""Threads for custom actions' synchronous code, each call bounded in time.

rasa runs on one event loop (`bot.engine.rasa_engine`): a synchronous action run on
it would stall every conversation while it works. Here such calls run on a small
pool of daemon threads instead. A call that outlives its time limit is given up:
its thread is abandoned (it ends whenever the call does, or with the process) and a
fresh one takes its place, so a call stuck forever never starves the others, and
never keeps the process from exiting.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class _Call:
    """One call waiting for, or running on, a thread of the pool."""

    work: Callable[[], Any]
    result: Future[Any] = field(default_factory=Future)
    thread: threading.Thread | None = None  # set once a thread has taken it


class ActionThreads:
    """A pool of `size` daemon threads; `run` waits at most `timeout` seconds."""

    def __init__(self, size: int = 8, name: str = "custom-action") -> None:
        self.size = size
        self.name = name
        self._calls: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._abandoned: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._started = 0
        for _ in range(size):
            self._start_thread()

    async def run(self, work: Callable[[], T], timeout: float) -> T:
        """The result of `work()`, run on a thread of the pool.

        Raises:
            TimeoutError: No result within `timeout` seconds (queued time included);
                the call's thread, if it had started, is replaced.
            Exception: Whatever `work` raised.
        """
        call = _Call(work)
        self._calls.put(call)
        try:
            result: T = await asyncio.wait_for(asyncio.wrap_future(call.result), timeout)
        except asyncio.TimeoutError:
            self._abandon(call)
            raise TimeoutError(f"no result within {timeout:g} s") from None
        return result

    def _abandon(self, call: _Call) -> None:
        """Give up on a call; the thread running it no longer counts as the pool's."""
        with self._lock:
            thread = call.thread
            if thread is None:
                call.result.cancel()  # still queued: no thread will take it
            elif thread not in self._abandoned:
                self._abandoned.add(thread)
                logger.warning("Abandoned %s, stuck in a custom action.", thread.name)
                self._start_thread()

    def _start_thread(self) -> None:
        self._started += 1
        name = f"{self.name}-{self._started}"
        threading.Thread(target=self._serve, name=name, daemon=True).start()

    def _serve(self) -> None:
        """Take calls until this thread is abandoned."""
        me = threading.current_thread()
        while me not in self._abandoned:
            call = self._calls.get()
            with self._lock:
                if not call.result.set_running_or_notify_cancel():
                    continue  # given up on while it was waiting
                call.thread = me
            try:
                call.result.set_result(call.work())
            except BaseException as error:  # handed to the waiting caller
                call.result.set_exception(error)
        with self._lock:
            self._abandoned.discard(me)
