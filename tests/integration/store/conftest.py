"""Fixtures of the store's tests: each Lua script, run on the test Redis; a server that stops in mid-exchange."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis

from runtime.scripts import Script
from store.scripts import SCRIPTS


@pytest.fixture
def script(redis_client: Redis) -> Callable[[str], Script]:
    """``script("create_alerts")``: the store's script of that name, on the test Redis."""

    def named(name: str) -> Script:
        return SCRIPTS.on(redis_client, name)

    return named


@pytest.fixture
async def stalling_redis() -> AsyncIterator[Callable[..., Awaitable[int]]]:
    """``await stalling_redis(b"SET", reads=False)``: the port of a server that answers the client's handshake and
    health checks as Redis would until a command of that name comes; from then on it reads nothing more (the
    client's writes fill the socket's buffers) or, with ``reads=True``, reads and answers nothing, or, with
    ``resets=True``, resets the connection (the client's read fails with ECONNRESET)."""
    servers: list[asyncio.Server] = []
    handlers: list[asyncio.Task[None]] = []
    stop = asyncio.Event()

    async def start(command: bytes, *, reads: bool = False, resets: bool = False) -> int:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            handlers.append(asyncio.current_task())  # type: ignore[arg-type]
            answering = True
            try:
                while header := await reader.readline():
                    words: list[bytes] = []
                    for _ in range(int(header[1:])):
                        length = int((await reader.readline())[1:])
                        words.append((await reader.readexactly(length + 2))[:-2].upper())
                        if words == [command]:
                            if resets:
                                sock = writer.get_extra_info("socket")
                                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                                writer.transport.abort()  # closed with linger 0: a reset, not a FIN
                                return
                            if not reads:
                                await stop.wait()
                                return
                            answering = False
                    if answering:
                        writer.write(b"+PONG\r\n" if words[0] == b"PING" else b"+OK\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return  # the client gave up and left
            finally:
                writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        servers.append(server)
        port: int = server.sockets[0].getsockname()[1]
        return port

    yield start
    stop.set()
    if handlers:
        await asyncio.wait(handlers, timeout=5)  # each closes its connection
    for server in servers:
        server.close()
        await server.wait_closed()
