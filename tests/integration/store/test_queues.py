"""What operators read of the queues: a group's lag is a number even where Redis cannot tell it, and it is never
the stream's length."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from contracts import NOTIFIER_GROUP, RedisNames
from store.consumer_groups import ensure_consumer_group
from store.queues import custody_backlog, describe_queues, group_lag

NAMES = RedisNames()


async def _stream_of(redis_client: Redis, entries: int, *, read: int) -> list[bytes]:
    ids = [await redis_client.xadd(NAMES.custody_events, {"n": str(n)}) for n in range(entries)]
    await ensure_consumer_group(redis_client, NAMES.custody_events, NOTIFIER_GROUP)
    if read:
        await redis_client.xreadgroup(NOTIFIER_GROUP, "notifier-1", {NAMES.custody_events: ">"}, count=read)
    return ids


async def test_the_lag_redis_reports_is_kept(redis_client: Redis) -> None:
    await _stream_of(redis_client, 5, read=2)

    report = await describe_queues(redis_client, NAMES)

    custody = next(stream for stream in report.streams if stream.role == "custody_events")
    (group,) = custody.groups
    assert (group.lag, group.lag_counted, group.pending) == (3, False, 2)
    assert (custody.entries_added, group.entries_read) == (5, 2)  # what the page's rates are drawn from
    assert await custody_backlog(redis_client, NAMES) == 5


async def test_where_a_deletion_hides_the_lag_from_redis_the_unread_entries_are_counted(redis_client: Redis) -> None:
    ids = await _stream_of(redis_client, 6, read=2)
    await redis_client.xack(NAMES.custody_events, NOTIFIER_GROUP, ids[0], ids[1])
    await redis_client.xdel(NAMES.custody_events, ids[3])  # unread, deleted: Redis no longer knows the lag
    (raw,) = await redis_client.xinfo_groups(NAMES.custody_events)
    assert raw["lag"] is None

    report = await describe_queues(redis_client, NAMES)

    custody = next(stream for stream in report.streams if stream.role == "custody_events")
    (group,) = custody.groups
    assert custody.length == 5
    assert (group.lag, group.lag_counted) == (3, True)  # entries 2, 4 and 5; not the five the stream holds
    assert await custody_backlog(redis_client, NAMES) == 3


async def test_counting_stops_at_its_limit_and_crosses_pages(
    redis_client: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("store.queues._COUNT_PAGE", 4)
    ids = await _stream_of(redis_client, 25, read=0)
    await redis_client.xdel(NAMES.custody_events, ids[5])
    (raw,) = await redis_client.xinfo_groups(NAMES.custody_events)
    assert raw["lag"] is None

    assert await group_lag(redis_client, NAMES.custody_events, raw) == 24
    assert await group_lag(redis_client, NAMES.custody_events, raw, limit=10) == 10


async def test_before_any_notifier_made_its_group_everything_waits(redis_client: Redis) -> None:
    for n in range(3):
        await redis_client.xadd(NAMES.custody_events, {"n": str(n)})

    assert await custody_backlog(redis_client, NAMES) == 3
