"""Calling the store's scripts many at a time: one pipeline of EVALSHA, the script loaded only when Redis lacks it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from runtime.scripts import Script


async def _calls(client: Redis, command: str) -> int:
    stats = await client.info("commandstats")
    return int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))


async def test_many_calls_run_after_redis_lost_its_scripts_and_load_the_script_once(
    redis_client: Redis, script: Callable[[str], Script]
) -> None:
    save = script("save_booking")
    await redis_client.script_flush()  # as after a restart of Redis: the digest is unknown there
    await redis_client.config_resetstat()

    replies = await save.many([([f"rw:test:booking:{n}"], ["0", "1", f'{{"n": {n}}}', "60"]) for n in range(5)])

    assert replies == [1, 1, 1, 1, 1]  # every booking saved once
    assert await redis_client.hget("rw:test:booking:3", "state") == b'{"n": 3}'
    assert await _calls(redis_client, "script|load") == 1


async def test_a_pipeline_of_calls_asks_redis_nothing_before_it(
    redis_client: Redis, script: Callable[[str], Script]
) -> None:
    save = script("save_booking")
    await save.many([(["rw:test:booking:warm"], ["0", "1", "{}", "60"])])
    await redis_client.config_resetstat()

    await save.many([([f"rw:test:booking:{n}"], ["0", "1", "{}", "60"]) for n in range(5)])

    assert await _calls(redis_client, "script|exists") == 0
    assert await _calls(redis_client, "script|load") == 0
    assert await _calls(redis_client, "evalsha") == 5


async def test_an_error_of_one_call_is_raised_after_the_others_ran(
    redis_client: Redis, script: Callable[[str], Script]
) -> None:
    save = script("save_booking")
    await redis_client.set("rw:test:booking:not-a-hash", "x")

    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await save.many(
            [
                (["rw:test:booking:fine"], ["0", "1", "{}", "60"]),
                (["rw:test:booking:not-a-hash"], ["0", "1", "{}", "60"]),
            ]
        )
    assert await redis_client.hget("rw:test:booking:fine", "version") == b"1"
