"""Calling one Lua script many times, as fast as the deployment allows.

On a single Redis the calls go in one pipeline (one round trip). redis-py
refuses EVALSHA in a cluster pipeline, so on a cluster the calls run
concurrently instead, each routed to the node owning its keys' slot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

from redis.asyncio import RedisCluster
from redis.commands.core import AsyncScript

from runtime.redis import RedisClient

__all__ = ["ScriptCall", "call_script_many"]

ScriptCall = tuple[Sequence[str], Sequence[str | int | float | bytes]]  # (keys, args)

_CLUSTER_CONCURRENCY = 64  # script calls in flight at once on a cluster


async def call_script_many(client: RedisClient, script: AsyncScript, calls: Sequence[ScriptCall]) -> list[Any]:
    """The replies of ``script`` for each (keys, args), in order."""
    if not calls:
        return []
    if isinstance(client, RedisCluster):
        gate = asyncio.Semaphore(_CLUSTER_CONCURRENCY)

        async def call(keys: Sequence[str], args: Sequence[str | int | float | bytes]) -> Any:
            async with gate:
                return await script(keys=keys, args=args)

        return list(await asyncio.gather(*(call(keys, args) for keys, args in calls)))
    async with client.pipeline(transaction=False) as pipe:
        for keys, args in calls:
            # redis-py queues a script on a pipeline (loading it if needed); its hints name clients only.
            await script(keys=keys, args=args, client=cast(Any, pipe))
        replies: list[Any] = await pipe.execute()
        return replies
