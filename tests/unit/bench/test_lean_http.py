"""The latency runs' HTTP client: every request answered in turn, over few connections, and failures said."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from bench.lean_http import LeanClient, request


@dataclass
class Server:
    port: int
    bodies: list[bytes] = field(default_factory=list)
    connections: int = 0
    open_now: int = 0
    most_open: int = 0
    close_after: int | None = None  # answers, then "Connection: close"
    drop: bool = False  # close without answering


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server(port=0)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        state.open_now += 1
        state.most_open = max(state.most_open, state.open_now)
        answered = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line)
                length = int({name.lower(): value for name, value in fields.items()}[b"content-length"])
                body = await reader.readexactly(length)
                if state.drop:
                    return
                state.bodies.append(body)
                await asyncio.sleep(0.01)  # a server that takes a moment: requests overlap
                answered += 1
                closing = state.close_after is not None and answered >= state.close_after
                reply = json.dumps({"got": json.loads(body)["n"]}).encode()
                writer.write(
                    b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(reply)}\r\n".encode()
                    + (b"Connection: close\r\n" if closing else b"")
                    + b"\r\n"
                    + reply
                )
                await writer.drain()
                if closing:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            state.open_now -= 1
            writer.close()

    listening = await asyncio.start_server(serve, "127.0.0.1", 0)
    state.port = listening.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        listening.close()


def _post(n: int, port: int) -> bytes:
    return request("POST", "/v1/custody-events", json.dumps({"n": n}).encode(), host=f"127.0.0.1:{port}")


async def test_each_request_gets_its_own_answer_over_at_most_the_connections_allowed(server: Server) -> None:
    async with LeanClient("127.0.0.1", server.port, connections=4) as client:
        answers = await asyncio.gather(*(client.send(_post(n, server.port)) for n in range(40)))

    assert [(answer.status, json.loads(answer.body)["got"]) for answer in answers] == [(202, n) for n in range(40)]
    assert all(answer.is_success for answer in answers)
    assert sorted(json.loads(body)["n"] for body in server.bodies) == list(range(40))
    assert server.connections == 4  # kept alive and reused
    assert server.most_open == 4


async def test_a_connection_the_server_closes_is_replaced(server: Server) -> None:
    server.close_after = 1
    async with LeanClient("127.0.0.1", server.port, connections=1) as client:
        answers = [await client.send(_post(n, server.port)) for n in range(3)]

    assert [json.loads(answer.body)["got"] for answer in answers] == [0, 1, 2]
    assert server.connections == 3


async def test_a_connection_dropped_before_the_answer_fails_that_request(server: Server) -> None:
    server.drop = True
    async with LeanClient("127.0.0.1", server.port, connections=1) as client:
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(client.send(_post(0, server.port)), timeout=10)
