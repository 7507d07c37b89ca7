"""Many commands in one round trip: the replies redis-py's own pipeline gives, in order, errors included."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from runtime.redis import connect_redis, pipelined

COMMANDS: list[tuple[Any, ...]] = [
    ("SET", "rw:test:s", "café"),
    ("GET", "rw:test:s"),
    ("HSET", "rw:test:h", "state", b"\x01\x00\xff", "version", 3),
    ("HGETALL", "rw:test:h"),
    ("HGETALL", "rw:test:missing"),
    ("SADD", "rw:test:set", "a", "b"),
    ("SMEMBERS", "rw:test:set"),
    ("ZADD", "rw:test:z", 1.5, "m"),
    ("ZRANGEBYSCORE", "rw:test:z", 0, "+inf"),
    ("EXPIRE", "rw:test:s", 60),
    ("EVAL", "return {1, 'two', KEYS[1]}", 1, "rw:test:k"),
    ("hgetall", "rw:test:h"),  # a name in lower case: the same reply as in upper
    ("smembers", "rw:test:set"),
]


async def test_the_replies_are_those_of_redis_pys_pipeline(lean_client: Redis, redis_client: Redis) -> None:
    ours = await pipelined(lean_client, COMMANDS)
    await redis_client.flushdb()
    async with redis_client.pipeline(transaction=False) as pipe:
        for command in COMMANDS:
            pipe.execute_command(*command)
        theirs = await pipe.execute()

    assert ours == theirs
    assert ours[3] == {b"state": b"\x01\x00\xff", b"version": b"3"}  # a hash as a dict, bytes as they were
    assert ours[4] == {}
    assert ours[-2] == ours[3]
    assert ours[-1] == ours[6] == {b"a", b"b"}


async def test_an_error_reply_is_raised_or_kept_in_its_place(lean_client: Redis) -> None:
    commands: list[tuple[Any, ...]] = [
        ("SET", "rw:test:s", "x"),
        ("HGETALL", "rw:test:s"),  # the wrong type
        ("EVALSHA", "0" * 40, 0),  # no such script
        ("GET", "rw:test:s"),
    ]

    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await pipelined(lean_client, commands)
    replies = await pipelined(lean_client, commands, raise_on_error=False)

    assert replies[0] is True
    assert replies[3] == b"x"
    assert isinstance(replies[1], ResponseError)
    assert "WRONGTYPE" in str(replies[1])
    assert isinstance(replies[2], NoScriptError)
    assert await lean_client.get("rw:test:s") == b"x"  # the connection is still in step


async def test_the_connection_goes_back_to_the_pool_and_a_dropped_one_is_replaced(
    lean_client: Redis, redis_client: Redis
) -> None:
    await pipelined(lean_client, [("SET", "rw:test:s", "1")])
    pool = lean_client.connection_pool
    assert len(pool._in_use_connections) == 0  # the pool keeps no public count
    pooled = await lean_client.client_id()

    await redis_client.client_kill_filter(_id=pooled)  # Redis drops the pooled connection, from elsewhere
    with pytest.raises(RedisConnectionError):  # as redis-py's pipeline says it (the client retries none)
        await pipelined(lean_client, [("INCR", "rw:test:n")])
    replies = await pipelined(lean_client, [("INCR", "rw:test:n"), ("GET", "rw:test:n")])

    assert replies == [1, b"1"]


async def test_replies_that_never_come_fail_within_the_timeout(
    stalling_redis: Callable[..., Awaitable[int]],
) -> None:
    port = await stalling_redis(b"GET", reads=True)
    client = connect_redis(f"redis://127.0.0.1:{port}/0", timeout=0.3)
    try:
        async with asyncio.timeout(10):  # a hang guard: the client's own timeout must come first
            with pytest.raises(RedisTimeoutError):
                await pipelined(client, [("GET", "rw:a"), ("GET", "rw:b")])
    finally:
        await client.aclose()


async def test_a_connection_reset_while_reading_is_redis_pys_connection_error(
    stalling_redis: Callable[..., Awaitable[int]],
) -> None:
    port = await stalling_redis(b"GET", resets=True)
    client = connect_redis(f"redis://127.0.0.1:{port}/0", timeout=5)
    try:
        async with asyncio.timeout(10):
            with pytest.raises(RedisConnectionError):  # what callers and the client's retry know, not an OSError
                await pipelined(client, [("GET", "rw:a"), ("GET", "rw:b")])
    finally:
        await client.aclose()
