"""A load generator's HTTP client: POSTs of ready-made bodies over keep-alive connections, parsed by httptools.

The latency runs offer a fixed load from the same 2-core machine as the services they measure, so the client's
own CPU is taken from them: httpx spent about 3.6 ms of CPU a request there, more than the API it was posting to
(a request through its pool, its models of a request and a response, and anyio). This client writes each request
as one buffer, built ahead (``request``), and reads the answer with httptools (the parser uvicorn serves ingest
with): a status and a body, nothing more. One request at a time a connection (HTTP/1.1 keep-alive, no
pipelining); at most ``connections`` open, a request beyond them waits for one to be free.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httptools

__all__ = ["Answer", "LeanClient", "request"]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


def request(method: str, path: str, body: bytes, *, host: str, content_type: str = "application/json") -> bytes:
    """The bytes of one HTTP/1.1 request, built once, written as they are."""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode("ascii") + body


class _Connection(asyncio.Protocol):
    """One keep-alive connection: write a request, the answer completes ``waiter``."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[Answer] | None = None
        self._body: list[bytes] = []
        self.closed = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(ConnectionError(f"unreadable answer: {error}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionError("the server closed the connection"))

    # httptools callbacks

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(Answer(self._parser.get_status_code(), b"".join(self._body)))
        if not self._parser.should_keep_alive():
            self.closed = True  # before the answer is read: the connection is never handed out again
            if self._transport is not None:
                self._transport.close()

    # ours

    def _fail(self, error: Exception) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(error)

    async def send(self, data: bytes) -> Answer:
        assert self._transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self._body = []
        self._transport.write(data)
        return await self._waiter

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class LeanClient:
    """POSTs ready-made requests to ``host:port`` over at most ``connections`` keep-alive connections."""

    def __init__(self, host: str, port: int, *, connections: int) -> None:
        self.host, self.port = host, port
        self._free: list[_Connection] = []
        self._slots = asyncio.Semaphore(connections)
        self._all: list[_Connection] = []

    async def _connection(self) -> _Connection:
        while self._free:
            connection = self._free.pop()
            if not connection.closed:
                return connection
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(_Connection, self.host, self.port)
        self._all.append(connection)
        return connection

    async def send(self, data: bytes) -> Answer:
        """Send one request built by ``request`` and wait for its answer."""
        async with self._slots:
            connection = await self._connection()
            try:
                answer = await connection.send(data)
            except BaseException:
                connection.close()
                raise
            if not connection.closed:
                self._free.append(connection)
            return answer

    async def aclose(self) -> None:
        for connection in self._all:
            connection.close()
        self._all.clear()
        self._free.clear()

    async def __aenter__(self) -> LeanClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
