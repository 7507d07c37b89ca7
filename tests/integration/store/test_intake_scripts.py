"""The scripts behind intake and operations: custody events appended once each within the backlog, a facility's
latest roster report kept, a dead letter claimed once, a consumer that is gone removed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from redis.asyncio import Redis

from contracts import NOTIFIER_GROUP, RedisNames
from runtime.scripts import Script
from store.consumer_groups import ensure_consumer_group

NAMES = RedisNames()


def _publish_call(event_id: str, digest: str, *, limit: int = 0) -> tuple[list[str], list[str | int]]:
    keys = [
        NAMES.custody_events,
        NAMES.custody_receipt("CA0194200", event_id),
        NAMES.former_custody_receipt("CA0194200", event_id),
        NAMES.legacy_custody_receipt(event_id),
    ]
    args: list[str | int] = [3600, "1795694400000000", limit, NOTIFIER_GROUP]
    return keys, [*args, event_id, "booking", digest, "{}", ""]


async def test_publish_events_answers_accepted_then_duplicate_for_the_same_body_and_conflict_for_another(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    publish = script("publish_events")

    ((status, stream_id, accepted_at),) = await publish(*_publish_call("evt-1", "digest-a"))
    assert status == b"accepted"
    assert await publish(*_publish_call("evt-1", "digest-a")) == [[b"duplicate", stream_id, accepted_at]]
    assert await publish(*_publish_call("evt-1", "digest-b")) == [[b"conflict", stream_id, accepted_at]]
    assert await redis_client.xlen(NAMES.custody_events) == 1


async def test_publish_events_answers_backlog_full_and_appends_nothing_past_the_limit(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    publish = script("publish_events")
    await publish(*_publish_call("evt-1", "digest-a", limit=1))

    assert await publish(*_publish_call("evt-2", "digest-b", limit=1)) == [b"backlog_full", 1]
    assert await redis_client.xlen(NAMES.custody_events) == 1


async def test_keep_roster_report_answers_1_for_a_later_roster_and_0_for_the_same_or_an_earlier_one(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    keep = script("keep_roster_report")
    report = NAMES.roster_report("CA0194200")

    assert await keep(keys=[report], args=["r-2", 2000, '{"r": 2}']) == 1
    assert await keep(keys=[report], args=["r-2", 2000, '{"r": "again"}']) == 0
    assert await keep(keys=[report], args=["r-1", 1000, '{"r": 1}']) == 0
    assert await keep(keys=[report], args=["r-3", 3000, '{"r": 3}']) == 1
    assert await redis_client.hget(report, "report") == b'{"r": 3}'


async def test_claim_dead_letter_answers_minus_1_1_and_0_with_the_disposition(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    claim = script("claim_dead_letter")
    keys = [NAMES.dead_letter_dispositions, NAMES.dead_letters]
    entry_id = (await redis_client.xadd(NAMES.dead_letters, {"__data__": "{}"})).decode()

    assert await claim(keys=keys, args=["1-0", "{}", "0"]) == [-1]
    assert await claim(keys=keys, args=[entry_id, '{"state":"replaying"}', "0"]) == [1]
    assert await claim(keys=keys, args=[entry_id, '{"state":"discarded"}', "0"]) == [0, b'{"state":"replaying"}']
    # a replay that was claimed and never finished may be taken over, once it is asked for
    assert await claim(keys=keys, args=[entry_id, '{"state":"replayed"}', "1"]) == [1]
    assert await claim(keys=keys, args=[entry_id, '{"state":"replaying"}', "1"]) == [0, b'{"state":"replayed"}']


async def test_remove_idle_consumer_keeps_a_consumer_that_holds_entries_or_is_active_and_removes_one_gone(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    stream, group, idle_limit_ms = "test:stream", "test-group", 200
    await ensure_consumer_group(redis_client, stream, group)
    await redis_client.xadd(stream, {"n": "1"})
    await redis_client.xreadgroup(group, "holding", {stream: ">"})
    await redis_client.xgroup_createconsumer(stream, group, "empty-handed")
    await asyncio.sleep(idle_limit_ms / 1000 + 0.1)
    remove = script("remove_idle_consumer")

    assert await remove(keys=[stream], args=[group, "holding", idle_limit_ms]) == 0  # would lose its entry
    assert await remove(keys=[stream], args=[group, "empty-handed", 10 * idle_limit_ms]) == 0  # not idle enough
    assert await remove(keys=[stream], args=[group, "no-such-consumer", idle_limit_ms]) == 0
    assert await remove(keys=[stream], args=[group, "empty-handed", idle_limit_ms]) == 1
    left = {consumer["name"]: consumer["pending"] for consumer in await redis_client.xinfo_consumers(stream, group)}
    assert left == {b"holding": 1}


async def test_publish_events_counts_what_the_group_has_not_read_where_redis_cannot_tell_its_lag(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    publish = script("publish_events")
    for number in range(1, 5):
        await publish(*_publish_call(f"evt-{number}", f"digest-{number}"))
    await ensure_consumer_group(redis_client, NAMES.custody_events, NOTIFIER_GROUP)
    read = await redis_client.xreadgroup(NOTIFIER_GROUP, "notifier-1", {NAMES.custody_events: ">"}, count=2)
    await redis_client.xack(NAMES.custody_events, NOTIFIER_GROUP, *[entry_id for entry_id, _ in read[0][1]])
    unread = await redis_client.xrange(NAMES.custody_events, count=4)
    await redis_client.xdel(NAMES.custody_events, unread[2][0])  # deleted before the group read it: no lag
    (group,) = await redis_client.xinfo_groups(NAMES.custody_events)
    assert group["lag"] is None

    # Three entries are left in the stream, but only one waits: a limit of two has room for one more event.
    ((status, _, _),) = await publish(*_publish_call("evt-5", "digest-5", limit=2))
    assert status == b"accepted"
    assert await publish(*_publish_call("evt-6", "digest-6", limit=2)) == [b"backlog_full", 2]
