"""A local TCP proxy a test can break: forwarding, refusing, or black-holing.

It runs on its own thread with its own event loop, so a synchronous test (or a
server in another process) talks to it over real sockets:

- `forward()`   accept and relay bytes both ways to the target (the normal state;
                calling it again after an outage closes the connections it cut);
- `refuse()`    close the listening socket and every relayed connection, so new
                connections are refused, as when the database is down;
- `black_hole()` accept connections and read them, but relay nothing either way
                (also on connections opened before), as in a network partition.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.servers import free_port

CHUNK = 65536


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target_host`:`target_port` until told otherwise."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.mode = "forward"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def start(self) -> None:
        self._thread.start()
        self._call(self._listen())

    def stop(self) -> None:
        self._call(self._close_all())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def forward(self) -> None:
        """Relay again; connections cut by the outage are closed, new ones go through."""
        self._call(self._close_all())
        self.mode = "forward"
        self._call(self._listen())

    def refuse(self) -> None:
        """Connections are refused; open ones are closed."""
        self.mode = "refuse"
        self._call(self._close_all())

    def black_hole(self) -> None:
        """Connections are accepted but nothing goes through, on new and open ones."""
        self.mode = "black_hole"
        if self._server is None:
            self._call(self._listen())

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)  # type: ignore[arg-type]

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _close_all(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            if self.mode == "black_hole":
                await self._swallow(reader)
                return
            up_reader, up_writer = await asyncio.open_connection(*self.target)
            self._writers.add(up_writer)
            await asyncio.gather(self._relay(reader, up_writer), self._relay(up_reader, writer))
        except OSError:
            pass
        finally:
            writer.transport.abort()
            self._writers.discard(writer)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(CHUNK):
                if self.mode == "black_hole":
                    await self._swallow(reader)  # a partition: nothing more gets through
                    return
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.transport.abort()
            self._writers.discard(writer)

    async def _swallow(self, reader: asyncio.StreamReader) -> None:
        while await reader.read(CHUNK):
            pass


@contextmanager
def tcp_proxy(target_host: str = "127.0.0.1", target_port: int = 5432) -> Iterator[TcpProxy]:
    """A started proxy to the target, stopped afterwards."""
    proxy = TcpProxy(target_host, target_port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
