"""A command's write: no task of its own, and still bounded by the client's timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

import pytest
from redis.exceptions import TimeoutError as RedisTimeoutError

from runtime.redis import connect_redis


async def test_sending_commands_starts_no_task(redis_url: str) -> None:
    client = connect_redis(redis_url, timeout=5.0)
    await client.ping()  # connected
    loop = asyncio.get_running_loop()
    started: list[str] = []

    def counting(
        loop: asyncio.AbstractEventLoop, coro: Generator[Any, None, Any] | Coroutine[Any, Any, Any], **kwargs: Any
    ) -> asyncio.Task[Any]:
        started.append(getattr(coro, "__qualname__", repr(coro)))
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(counting)  # type: ignore[arg-type]
    try:
        for n in range(20):
            await client.set(f"rw:test:{n}", "x")
        assert await client.mget("rw:test:1", "rw:test:2") == [b"x", b"x"]
    finally:
        loop.set_task_factory(None)
        await client.aclose()

    assert started == []  # redis-py's own write starts one a command (asyncio.wait_for on Python 3.11)


async def test_a_write_redis_stops_reading_fails_within_the_timeout(
    stalling_redis: Callable[..., Awaitable[int]],
) -> None:
    port = await stalling_redis(b"SET", reads=False)
    client = connect_redis(f"redis://127.0.0.1:{port}/0", timeout=0.5)
    value = b"x" * (64 << 20)  # far more than the sockets buffer: the write has to wait for the server to read
    try:
        async with asyncio.timeout(10):  # a hang guard: the client's own timeout must come first
            with pytest.raises(RedisTimeoutError, match="writing"):
                await client.set("rw:big", value)
    finally:
        await client.aclose()
