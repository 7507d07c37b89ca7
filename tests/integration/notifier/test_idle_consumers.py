"""Consumers of stopped notifiers leave the groups, and nothing they held is lost."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis

from runtime import IdleConsumerRemover, ensure_consumer_group
from runtime.groups import _REMOVE_SCRIPT

STREAM = "rw:{custody}:events"
GROUP = "notifier"
IDLE_LIMIT = 0.3  # seconds; the setting's floor is a minute, a test need not wait that long


async def _consumers(client: Redis) -> dict[str, int]:
    return {c["name"].decode(): int(c["pending"]) for c in await client.xinfo_consumers(STREAM, GROUP)}


async def _pending(client: Redis) -> list[dict[str, Any]]:
    return await client.xpending_range(STREAM, GROUP, min="-", max="+", count=100)


async def test_a_consumer_idle_past_the_limit_is_removed_after_its_entries_go_to_a_live_one(
    redis_client: Redis,
) -> None:
    await ensure_consumer_group(redis_client, STREAM, GROUP)
    ids = [await redis_client.xadd(STREAM, {"n": str(n)}) for n in range(3)]
    await redis_client.xreadgroup(GROUP, "stopped-notifier", {STREAM: ">"}, count=2)  # it died holding two
    await asyncio.sleep(IDLE_LIMIT + 0.1)
    await redis_client.xreadgroup(GROUP, "running-notifier", {STREAM: ">"}, count=1)  # active just now
    remover = IdleConsumerRemover(
        redis_client, [(STREAM, GROUP)], heir="running-notifier", idle_limit_seconds=IDLE_LIMIT
    )

    removed = await remover.remove_all()

    assert [(r.consumer, r.entries_handed_over) for r in removed] == [("stopped-notifier", 2)]
    assert await _consumers(redis_client) == {"running-notifier": 3}
    handed = {entry["message_id"]: entry for entry in await _pending(redis_client)}
    assert [handed[i]["times_delivered"] for i in ids[:2]] == [1, 1]  # a hand-over is not an attempt
    # still as idle as they were, so a reclaiming subscriber takes them at once
    reclaimed = await redis_client.xautoclaim(
        STREAM, GROUP, "running-notifier", min_idle_time=int(IDLE_LIMIT * 1000), start_id="0-0"
    )
    assert sorted(entry_id for entry_id, _ in reclaimed[1]) == sorted(ids[:2])


async def test_live_consumers_and_this_one_are_kept_and_a_missing_group_is_no_error(redis_client: Redis) -> None:
    await ensure_consumer_group(redis_client, STREAM, GROUP)
    await redis_client.xadd(STREAM, {"n": "1"})
    await redis_client.xreadgroup(GROUP, "this-notifier", {STREAM: ">"})
    await asyncio.sleep(IDLE_LIMIT + 0.1)
    await redis_client.xgroup_createconsumer(STREAM, GROUP, "other-notifier")  # a notifier that just started
    remover = IdleConsumerRemover(
        redis_client,
        [(STREAM, GROUP), ("rw:{alerts}:raised", "deliveries")],
        heir="this-notifier",
        idle_limit_seconds=IDLE_LIMIT,
    )

    assert await remover.remove_all() == []
    assert set(await _consumers(redis_client)) == {"this-notifier", "other-notifier"}


async def test_the_removal_script_keeps_a_consumer_that_still_holds_entries_or_is_active(redis_client: Redis) -> None:
    await ensure_consumer_group(redis_client, STREAM, GROUP)
    await redis_client.xadd(STREAM, {"n": "1"})
    await redis_client.xreadgroup(GROUP, "holding", {STREAM: ">"})
    await redis_client.xgroup_createconsumer(STREAM, GROUP, "empty-handed")
    await asyncio.sleep(IDLE_LIMIT + 0.1)
    remove = redis_client.register_script(_REMOVE_SCRIPT)
    limit_ms = int(IDLE_LIMIT * 1000)

    assert await remove(keys=[STREAM], args=[GROUP, "holding", limit_ms]) == 0  # would lose its entry
    assert await remove(keys=[STREAM], args=[GROUP, "empty-handed", 10 * limit_ms]) == 0  # not idle long enough
    assert await remove(keys=[STREAM], args=[GROUP, "no-such-consumer", limit_ms]) == 0
    assert await remove(keys=[STREAM], args=[GROUP, "empty-handed", limit_ms]) == 1
    assert await _consumers(redis_client) == {"holding": 1}
