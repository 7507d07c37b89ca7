"""Streams stay bounded, and nothing a consumer still needs is ever trimmed."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from contracts import NOTIFIER_GROUP, AlertKind, RedisNames
from contracts.detainers import detainer_ref_for
from notifier.bootstrap import build_notifier
from notifier.chores.trimming import StreamId, StreamTrimmer
from notifier.handlers.detainer_index import DetainerIndex
from notifier.settings import NotifierSettings
from tests import samples
from tests.integration.notifier.support import IngestApi, Outcome, eventually

STREAM = "test:{trim}:stream"


def trimmer(client: Redis, *, retention_seconds: float = 0.0, now: float | None = None) -> StreamTrimmer:
    """By default a second from now: entries appended in the same millisecond as the trim are past the retention
    too (the window's bound is the clock's millisecond, and a fast machine appends and trims within one)."""
    return StreamTrimmer(
        client,
        [STREAM],
        retention_seconds=retention_seconds,
        clock=(lambda: now) if now else (lambda: time.time() + 1.0),
    )


async def append(client: Redis, count: int) -> list[str]:
    return [(await client.xadd(STREAM, {"n": str(n)})).decode() for n in range(count)]


async def remaining(client: Redis) -> list[str]:
    return [entry_id.decode() for entry_id, _ in await client.xrange(STREAM)]


async def read_and_ack(client: Redis, group: str, *, read: int, ack: int) -> None:
    reply = await client.xreadgroup(group, "reader", {STREAM: ">"}, count=read)
    ids = [entry_id for entry_id, _ in reply[0][1]] if reply else []
    if ack:
        await client.xack(STREAM, group, *ids[:ack])


async def test_entries_a_group_has_not_read_are_never_trimmed(redis_client: Redis) -> None:
    ids = await append(redis_client, 10)
    await redis_client.xgroup_create(STREAM, NOTIFIER_GROUP, id="0")

    await trimmer(redis_client).trim(STREAM)

    assert await remaining(redis_client) == ids


async def test_read_but_unacknowledged_entries_stay_and_acknowledged_ones_go(redis_client: Redis) -> None:
    ids = await append(redis_client, 10)
    await redis_client.xgroup_create(STREAM, NOTIFIER_GROUP, id="0")
    await read_and_ack(redis_client, NOTIFIER_GROUP, read=6, ack=3)

    report = await trimmer(redis_client).trim(STREAM)

    assert report.trimmed == 3
    assert await remaining(redis_client) == ids[3:]


async def test_the_slowest_group_decides(redis_client: Redis) -> None:
    ids = await append(redis_client, 10)
    for group in ("fast", "slow"):
        await redis_client.xgroup_create(STREAM, group, id="0")
    await read_and_ack(redis_client, "fast", read=10, ack=10)
    await read_and_ack(redis_client, "slow", read=4, ack=4)

    await trimmer(redis_client).trim(STREAM)

    assert await remaining(redis_client) == ids[4:]


async def test_acknowledged_entries_are_kept_for_the_retention_window(redis_client: Redis) -> None:
    ids = await append(redis_client, 5)
    await redis_client.xgroup_create(STREAM, NOTIFIER_GROUP, id="0")
    await read_and_ack(redis_client, NOTIFIER_GROUP, read=5, ack=5)

    await trimmer(redis_client, retention_seconds=3600).trim(STREAM)
    assert await remaining(redis_client) == ids

    an_hour_later = time.time() + 3601
    await trimmer(redis_client, retention_seconds=3600, now=an_hour_later).trim(STREAM)
    assert await remaining(redis_client) == ids[-1:]  # the newest entry always stays


async def test_a_stream_nobody_consumes_is_bounded_by_retention_alone(redis_client: Redis) -> None:
    ids = await append(redis_client, 4)

    await trimmer(redis_client, retention_seconds=3600).trim(STREAM)
    assert await remaining(redis_client) == ids

    await trimmer(redis_client, retention_seconds=3600, now=time.time() + 3601).trim(STREAM)
    assert await remaining(redis_client) == ids[-1:]


async def test_a_missing_stream_is_not_an_error(redis_client: Redis) -> None:
    report = await trimmer(redis_client).trim(STREAM)

    assert report.trimmed == 0
    assert not await redis_client.exists(STREAM)


def test_stream_ids_order_as_redis_orders_them() -> None:
    assert StreamId.parse(b"1700000000000-2") < StreamId.parse("1700000000000-10") < StreamId.parse("1700000000001-0")
    assert str(StreamId.parse("5-3").next()) == "5-4"


# --- the running notifier ----------------------------------------------------------------------


async def test_a_running_notifier_trims_what_it_has_processed_and_keeps_its_alerts(
    redis_url: str, redis_client: Redis, names: RedisNames, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking(), samples.release_scheduled(), samples.release())
    notifier = build_notifier(
        NotifierSettings(
            redis_url=redis_url,
            poll_interval_ms=50,
            consumer_name="trim-test",
            trim_interval_seconds=0.1,
            stream_retention_seconds=0,
            log_format="text",
        )
    )
    await notifier.run()
    try:
        alerts = await eventually(lambda: outcome.alert_kinds("LOS"), lambda kinds: len(kinds) == 3, what="3 alerts")
        lengths = await eventually(
            lambda: _lengths(redis_client, names), lambda found: found == (1, 1), what="trimmed streams"
        )
    finally:
        await notifier.stop()

    assert sorted(alerts) == [AlertKind.IN_CUSTODY, AlertKind.RELEASE_SCHEDULED, AlertKind.RELEASED]
    assert lengths == (1, 1)  # custody events and detainer changes: only the newest entry of each is kept
    summary = await redis_client.xpending(names.custody_events, NOTIFIER_GROUP)
    assert summary["pending"] == 0


async def _lengths(client: Redis, names: RedisNames) -> tuple[int, int]:
    return int(await client.xlen(names.custody_events)), int(await client.xlen(names.detainer_changes))


# --- a detainer index that stood still while its changelog was trimmed ---------------------------


async def lodge_two_then_trim_the_changelog(client: Redis, names: RedisNames, ingest_api: IngestApi) -> None:
    """Two lodges this index never read, then the changelog trimmed down to its newest entry."""
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-2026-000900"))
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-2026-000901"))
    newest = (await client.xrevrange(names.detainer_changes, count=1))[0][0]
    await client.xtrim(names.detainer_changes, minid=newest, approximate=False)


async def test_an_index_that_missed_trimmed_changes_reloads_and_sees_every_active_detainer(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi
) -> None:
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-2026-000800"))
    index = DetainerIndex(redis_client, names)
    await index.load()
    await lodge_two_then_trim_the_changelog(redis_client, names, ingest_api)

    await index.sync()

    refs = [detainer_ref_for("LOS", d) for d in ("LOS-2026-000800", "LOS-2026-000900", "LOS-2026-000901")]
    assert {index.get(ref) is not None for ref in refs} == {True}


async def test_an_index_that_kept_up_applies_changes_without_reloading(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi
) -> None:
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-2026-000800"))
    index = DetainerIndex(redis_client, names)
    await index.load()
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-2026-000900"))
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-2026-000901"))

    applied = await index.sync()

    assert applied == 2  # the two changes, one by one: a reload would have reported all three detainers
    assert index.get(detainer_ref_for("LOS", "LOS-2026-000901")) is not None
