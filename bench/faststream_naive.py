"""A naive FastStream consumer: one message per handler call, in a consumer group, parsed and acknowledged.

The simplest notifier anyone would write with FastStream: ``@broker.subscriber(StreamSub(..., group=...))`` on a
handler that takes one custody event. The notifier's batch path is worth its complexity only if it beats this by
a wide margin, so ``make bench`` measures it in the same run, over the same kind of stream.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from faststream.redis import RedisBroker, StreamSub
from redis.asyncio import Redis

from bench.data import feed
from contracts import RedisNames

__all__ = ["EVENTS", "naive_subscriber_runs"]

EVENTS = 5_000
_TIMEOUT = 600.0  # seconds; a hang guard, never a measurement


async def naive_subscriber_runs(url: str, *, repeat: int = 3) -> tuple[float, ...]:
    """Events per second the naive subscriber takes off a stream of ``EVENTS`` custody events, each of ``repeat``
    runs' (``make bench`` sets their best and median beside the notifier's runs, as ``bench.harness.compare``
    does)."""
    return tuple([await _one_run(url) for _ in range(repeat)])


async def _one_run(url: str) -> float:
    client = Redis.from_url(url)
    stream = f"{RedisNames().custody_events}:naive"
    await client.delete(stream)
    async with client.pipeline(transaction=False) as pipe:
        for event in feed(EVENTS, run="naive"):
            pipe.xadd(stream, {"__data__": event.model_dump_json(), "type": event.type, "event_id": event.event_id})
        await pipe.execute()
    await client.xgroup_create(stream, "naive", id="0")  # at 0: FastStream would create it at $

    broker = RedisBroker(url, logger=None)
    handled = 0
    done = asyncio.Event()

    @broker.subscriber(stream=StreamSub(stream, group="naive", consumer="naive-1", polling_interval=10))
    async def handle(body: dict[str, Any]) -> None:
        nonlocal handled
        json.dumps(body)  # touch the payload, as any handler would
        handled += 1
        if handled >= EVENTS:
            done.set()

    started = time.perf_counter()
    await broker.start()
    try:
        async with asyncio.timeout(_TIMEOUT):
            await done.wait()
        elapsed = time.perf_counter() - started
    finally:
        await broker.stop()
        await client.delete(stream)
        await client.aclose()
    return EVENTS / elapsed
