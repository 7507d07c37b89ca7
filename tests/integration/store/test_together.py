"""Several steps' round trips in one (``runtime.redis.together``): what each step gets back, how many round trips
go, and what a step reading after the others sees."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from runtime.redis import Together, one_connection, pipelined, together
from tests.support.round_trips import Writes


async def test_each_step_gets_its_own_replies_and_all_go_in_one_round_trip(lean_client: Redis) -> None:
    writes = await Writes.connected(lean_client)

    first, second = await together(
        pipelined(lean_client, [("SET", "rw:t:a", "1"), ("GET", "rw:t:a")]),
        pipelined(lean_client, [("SADD", "rw:t:s", "x", "y"), ("SMEMBERS", "rw:t:s")]),
    )

    assert first == [True, b"1"]
    assert second == [2, {b"x", b"y"}]
    assert writes.count == 1


async def test_a_steps_next_round_trip_goes_with_the_others_next_one(lean_client: Redis) -> None:
    async def twice(key: str) -> list[Any]:
        await pipelined(lean_client, [("INCR", key)])
        return await pipelined(lean_client, [("INCR", key)])

    writes = await Writes.connected(lean_client)

    assert await together(twice("rw:t:a"), twice("rw:t:b")) == ([2], [2])
    assert writes.count == 2


async def test_what_then_reads_was_written_first_in_the_same_round_trip(lean_client: Redis) -> None:
    seen: list[Any] = []

    async def read() -> None:
        seen.append(await pipelined(lean_client, [("GET", "rw:t:a"), ("SCARD", "rw:t:s")]))

    writes = await Writes.connected(lean_client)

    await together(
        pipelined(lean_client, [("SET", "rw:t:a", "written")]),
        pipelined(lean_client, [("SADD", "rw:t:s", "x")]),
        then=read,
    )

    assert seen == [[b"written", 1]]
    assert writes.count == 1


async def test_several_thens_each_read_what_was_written_in_the_same_round_trip(lean_client: Redis) -> None:
    seen: dict[str, Any] = {}

    async def read(key: str) -> None:
        seen[key] = (await pipelined(lean_client, [("GET", key)]))[0]

    writes = await Writes.connected(lean_client)

    await together(
        pipelined(lean_client, [("SET", "rw:t:a", "a written")]),
        pipelined(lean_client, [("SET", "rw:t:b", "b written")]),
        then=(lambda: read("rw:t:a"), lambda: read("rw:t:b")),
    )

    assert seen == {"rw:t:a": b"a written", "rw:t:b": b"b written"}
    assert writes.count == 1


async def test_several_thens_each_read_again_after_a_step_that_wrote_after_they_read(lean_client: Redis) -> None:
    seen: list[tuple[str, Any]] = []

    async def read(key: str) -> None:
        seen.append((key, (await pipelined(lean_client, [("GET", key)]))[0]))

    async def write_twice() -> None:
        await pipelined(lean_client, [("SET", "rw:t:a", "first"), ("SET", "rw:t:b", "first")])
        await pipelined(lean_client, [("SET", "rw:t:a", "second"), ("SET", "rw:t:b", "second")])

    await together(write_twice(), then=(lambda: read("rw:t:a"), lambda: read("rw:t:b")))

    assert seen[-2:] == [("rw:t:a", b"second"), ("rw:t:b", b"second")]


async def test_then_reads_again_after_a_step_that_wrote_after_it_read(lean_client: Redis) -> None:
    seen: list[Any] = []

    async def read() -> None:
        seen.append((await pipelined(lean_client, [("GET", "rw:t:a")]))[0])

    async def write_twice() -> None:  # as a script call refused, its script loaded, and called again
        await pipelined(lean_client, [("SET", "rw:t:a", "first")])
        await pipelined(lean_client, [("SET", "rw:t:a", "second")])

    await together(write_twice(), pipelined(lean_client, [("SADD", "rw:t:s", "x")]), then=read)

    assert seen[-1] == b"second"


async def test_a_together_put_under_way_by_a_step_of_another_reads_again_on_a_round_trip_of_its_own(
    lean_client: Redis,
) -> None:
    """Its ``then``, read again after its steps, is no step of the other's (which would never send it)."""
    seen: list[Any] = []

    async def read() -> None:
        seen.append((await pipelined(lean_client, [("GET", "rw:t:a")]))[0])

    async def write_twice() -> None:
        await pipelined(lean_client, [("SET", "rw:t:a", "first")])
        await pipelined(lean_client, [("SET", "rw:t:a", "second")])

    async def put_under_way() -> Together[Any]:
        inner = together(write_twice(), then=read)
        await inner.under_way()
        return inner

    async def a_while() -> None:
        await asyncio.sleep(0.2)

    inner, _ = await together(put_under_way(), a_while())
    async with asyncio.timeout(2):
        await inner

    assert seen[-1] == b"second"


async def test_then_runs_after_the_steps_when_their_round_trips_are_not_shared(redis_url: str) -> None:
    """A lean_client whose round trips ``together`` does not share (redis-py's own connections; a cluster): the steps
    run as they would alone, and ``then`` after them."""
    plain = Redis.from_url(redis_url)
    seen: list[Any] = []

    async def read() -> None:
        seen.append(await plain.get("rw:t:a"))

    await together(pipelined(plain, [("SET", "rw:t:a", "written")]), then=read)
    await plain.aclose()

    assert seen == [b"written"]


async def test_a_step_that_fails_fails_the_whole_and_the_others_commands_still_go(lean_client: Redis) -> None:
    with pytest.raises(ResponseError):
        await together(
            pipelined(lean_client, [("SET", "rw:t:a", "1")]),
            pipelined(lean_client, [("HGETALL", "rw:t:a")]),  # the wrong type, after the SET in the same round trip
        )

    assert await lean_client.get("rw:t:a") == b"1"
    assert await together(pipelined(lean_client, [("GET", "rw:t:a")])) == ([b"1"],)


async def test_a_steps_own_timeout_is_a_timeout_and_the_others_go_on(lean_client: Redis) -> None:
    async def slow() -> None:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(10)

    async def timed_out_or_not() -> str:
        try:
            await slow()
        except TimeoutError:
            return "timed out"
        return "not"

    assert await together(timed_out_or_not(), pipelined(lean_client, [("SET", "rw:t:a", "1")])) == ("timed out", [True])
    with pytest.raises(TimeoutError):
        await together(slow(), pipelined(lean_client, [("SET", "rw:t:a", "2")]))
    assert await lean_client.get("rw:t:a") == b"2"


async def test_cancelled_while_the_steps_wait_the_steps_are_cancelled_too(lean_client: Redis) -> None:
    stopped: list[str] = []

    async def waits() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            stopped.append("cancelled")
            raise

    awaiting = asyncio.ensure_future(together(waits(), pipelined(lean_client, [("SET", "rw:t:a", "1")])))
    await asyncio.sleep(0.01)
    awaiting.cancel()

    with pytest.raises(asyncio.CancelledError):
        await awaiting
    assert stopped == ["cancelled"]


async def test_a_step_resumes_after_the_callbacks_its_future_had_before() -> None:
    """As a task awaiting a future would (``loop.sock_connect`` releases the socket in such a callback, before the
    connection may use it), however soon the steps are looked at again."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen: list[str] = []
    future.add_done_callback(lambda _: seen.append("the future's callback"))

    async def waits() -> None:
        await future
        seen.append("the step")

    async def resolves() -> None:
        await asyncio.sleep(0)
        future.set_result(None)
        for _ in range(3):
            await asyncio.sleep(0)

    await together(waits(), resolves())

    assert seen == ["the future's callback", "the step"]


# --- one connection: each round trip written without waiting for the replies to the ones before ----------------

BUSY_FOR_A_TENTH_OF_A_SECOND = """
local started = redis.call('TIME')
repeat
  local now = redis.call('TIME')
until (now[1] - started[1]) * 1000000 + (now[2] - started[2]) >= 100000
return 'done'
"""


async def test_within_one_connection_a_round_trip_goes_before_the_replies_to_the_one_before_are_read(
    lean_client: Redis,
) -> None:
    wire: list[str] = []
    pool = lean_client.connection_pool

    class Logged(pool.connection_class):  # type: ignore[name-defined,misc]
        async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
            wire.append("written")
            await super().send_packed_command(command, check_health)

        async def read_replies(self, count: int) -> list[Any]:
            replies = await super().read_replies(count)
            wire.append("read")
            return list(replies)

    await pool.disconnect()
    pool.reset()  # type: ignore[no-untyped-call]
    pool.connection_class = Logged
    await lean_client.ping()  # (a connection's setup is written too)
    wire.clear()

    async with one_connection():
        slow = together(pipelined(lean_client, [("CLIENT", "ID"), ("EVAL", BUSY_FOR_A_TENTH_OF_A_SECOND, 0)]))
        await slow.under_way()
        after = together(pipelined(lean_client, [("INCR", "rw:t:n"), ("CLIENT", "ID")]))
        await after.under_way()
        ((slow_on, _),), ((count, after_on),) = await slow, await after
        on_the_wire = list(wire)

    assert on_the_wire == ["written", "written", "read", "read"]
    assert (count, after_on) == (1, slow_on)  # one connection, in the order made
    assert await pipelined(lean_client, [("CLIENT", "ID")]) == [slow_on]  # and back in the pool


async def test_within_one_connection_a_round_trip_that_fails_fails_the_ones_after_it(lean_client: Redis) -> None:
    pool = lean_client.connection_pool
    await pool.disconnect()
    pool.reset()  # type: ignore[no-untyped-call]
    pool.connection_kwargs["socket_timeout"] = 0.05

    async with one_connection():
        slow = together(pipelined(lean_client, [("EVAL", BUSY_FOR_A_TENTH_OF_A_SECOND, 0)]))
        await slow.under_way()
        after = together(pipelined(lean_client, [("SET", "rw:t:a", "1")]))
        await after.under_way()
        with pytest.raises(RedisTimeoutError):
            await slow
        with pytest.raises(RedisConnectionError):
            await after

    pool.connection_kwargs["socket_timeout"] = 5.0
    await pool.disconnect()
    pool.reset()  # type: ignore[no-untyped-call]
    assert await pipelined(lean_client, [("PING",)]) == [True]  # a connection afresh, in step (once the script ends)
