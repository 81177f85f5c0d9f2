"""Several workers on one port: a parent process that keeps N workers running.

sanic 21.12's own `workers=N` forks its workers once and never replaces one that
dies. With `server.workers` above one, `python -m bot run` binds the port itself,
forks each worker, which builds the app and serves on the shared socket
(`app.run(sock=...)`), and starts a new worker whenever one exits (`kill -9`, a
crash). SIGTERM or SIGINT stops them all. Workers that keep dying soon after they
start (a database down at start, say) make the parent give up after a few tries,
with exit code 1, rather than spin.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import cast

from sanic import Sanic
from sanic.server.socket import bind_socket

logger = logging.getLogger(__name__)

STEADY_SECONDS = 120.0  # a worker that lived this long was healthy: the count starts afresh
MAX_QUICK_EXITS = 5
STOP_SECONDS = 30.0  # after SIGTERM, workers still running are killed


def serve_workers(build_app: Callable[[], Sanic], host: str, port: int, workers: int) -> int:
    """Serve on `host`:`port` with `workers` processes until a signal stops them.

    Returns:
        The exit code: 0 after a signal, 1 if workers kept dying at start.
    """
    listening = bind_socket(host, port, backlog=1024)
    listening.set_inheritable(True)
    try:
        return Supervisor(build_app, listening, workers).run()
    finally:
        listening.close()


class Supervisor:
    """Keeps `count` forked workers serving on `listening`."""

    def __init__(
        self, build_app: Callable[[], Sanic], listening: socket.socket, count: int
    ) -> None:
        self.build_app = build_app
        self.listening = listening
        self.count = count
        self.quick_exits = 0
        self.exit_code = 0
        self._fork = multiprocessing.get_context("fork")
        self._running: dict[int, tuple[BaseProcess, float]] = {}  # by sentinel
        self._stop_at: float | None = None

    def run(self) -> int:
        """Start the workers and replace any that exits, until stopped."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for _ in range(self.count):
                self._start()
            while self._running:
                for sentinel in wait(list(self._running), timeout=1.0):
                    if not self._replace(cast(int, sentinel)):  # a sentinel is an fd
                        self.exit_code = 1
                        self._stop(signal.SIGTERM, None)
                self._kill_stragglers()
            return self.exit_code
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _start(self) -> None:
        process = self._fork.Process(target=self._serve, name="bot-worker", daemon=True)
        process.start()
        self._running[process.sentinel] = (process, time.monotonic())
        logger.info("Worker %s started.", process.pid)

    def _replace(self, sentinel: int) -> bool:
        """A worker exited: start another unless stopping; False when it is hopeless."""
        process, started = self._running.pop(sentinel)
        process.join()
        if self._stop_at is not None:
            return True
        lived = time.monotonic() - started
        self.quick_exits = self.quick_exits + 1 if lived < STEADY_SECONDS else 0
        logger.warning(
            "Worker %s exited (code %s) after %.0f s; starting another.",
            process.pid,
            process.exitcode,
            lived,
        )
        if self.quick_exits >= MAX_QUICK_EXITS:
            logger.error("Workers keep exiting soon after they start; stopping.")
            return False
        time.sleep(min(self.quick_exits, 10))  # back off while they keep dying
        self._start()
        return True

    def _serve(self) -> None:
        """In the worker: default signal handling, then sanic on the shared socket."""
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self.build_app().run(sock=self.listening, access_log=False)

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        if self._stop_at is None:
            name = signal.Signals(signum).name
            logger.info("Stopping %d workers (%s).", len(self._running), name)
            self._stop_at = time.monotonic() + STOP_SECONDS
        for process, _started in self._running.values():
            if process.is_alive():
                process.terminate()

    def _kill_stragglers(self) -> None:
        if self._stop_at is not None and time.monotonic() > self._stop_at:
            for process, _started in self._running.values():
                process.kill()
