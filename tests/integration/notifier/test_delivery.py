"""Every entry gets processed: a failing batch is split, a dead consumer's entries are claimed,
and an entry that keeps failing reaches the dead letters after a bounded number of deliveries."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from redis.asyncio import Redis

from contracts import NOTIFIER_GROUP, AlertKind, RedisNames
from contracts.envelope import StreamEntry
from notifier.bootstrap import build_notifier
from notifier.consuming.batch_runner import BatchRunner
from notifier.handlers.custody_events import BatchReport, CustodyEventProcessor
from notifier.settings import NotifierSettings
from tests import samples
from tests.integration.notifier.support import (
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    WiredNotifier,
    custody_runner,
    eventually,
    pending_on,
)

MAX_DELIVERIES = 3
POISON_BOOKING = "2026-POISON"


class PoisonedProcessor:
    """The real processor, except that any batch holding the poison booking raises (a bug, say)."""

    def __init__(self, real: CustodyEventProcessor) -> None:
        self._real = real

    async def process(self, entries: Sequence[StreamEntry]) -> BatchReport:
        if any(POISON_BOOKING.encode() in (entry.data or b"") for entry in entries):
            raise RuntimeError("cannot process this booking")
        return await self._real.process(entries)


@pytest.fixture
def runner(notifier: NotifierInstance, redis_client: Redis, names: RedisNames) -> BatchRunner:
    return custody_runner(redis_client, names, PoisonedProcessor(notifier.custody), max_deliveries=MAX_DELIVERIES)


async def redeliver(redis_client: Redis, names: RedisNames) -> list[StreamEntry]:
    """What a reclaim does: claim every pending entry again (this bumps its delivery count)."""
    _, claimed, *_ = await redis_client.xautoclaim(names.custody_events, NOTIFIER_GROUP, "reclaimer", 0, "0-0")
    return [StreamEntry(names.custody_events, message_id.decode(), fields) for message_id, fields in claimed]


async def test_a_failing_batch_is_retried_entry_by_entry_so_the_good_entries_raise_their_alerts(
    runner: BatchRunner,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(
        samples.booking(), samples.booking(event_id="evt-poison", booking_number=POISON_BOOKING), samples.release()
    )

    await runner.run(await streams.new_custody_events())

    assert sorted(await outcome.alert_kinds("LOS")) == ["in_custody", "released"]
    assert await pending_on(redis_client, names.custody_events)() == 1  # only the poison entry
    assert await outcome.dead_letters() == []  # one delivery so far: it will be retried


async def test_an_entry_that_keeps_failing_is_dead_lettered_with_the_error_after_the_bounded_deliveries(
    runner: BatchRunner,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    (poison_id,) = await ingest_api.submit(samples.booking(event_id="evt-poison", booking_number=POISON_BOOKING))
    await runner.run(await streams.new_custody_events())

    for _ in range(MAX_DELIVERIES - 1):
        assert await outcome.dead_letters() == []
        await runner.run(await redeliver(redis_client, names))

    ((_, letter),) = await outcome.dead_letters()
    assert letter.message_id == poison_id
    assert letter.attempts == MAX_DELIVERIES
    assert letter.reason.startswith(f"processing failed on {MAX_DELIVERIES} deliveries")
    assert "RuntimeError: cannot process this booking" in letter.reason
    assert POISON_BOOKING in letter.fields["__data__"]  # kept whole, so it can be replayed
    assert await pending_on(redis_client, names.custody_events)() == 0


async def test_entries_a_dead_consumer_left_pending_are_claimed_and_processed_by_a_live_one(
    redis_url: str, redis_client: Redis, names: RedisNames, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking())
    # A notifier that read the booking and died before acknowledging it.
    await redis_client.xgroup_create(names.custody_events, NOTIFIER_GROUP, id="0", mkstream=True)
    await redis_client.xreadgroup(NOTIFIER_GROUP, "dead-notifier", {names.custody_events: ">"})
    assert await pending_on(redis_client, names.custody_events)() == 1

    live = WiredNotifier(
        build_notifier(
            NotifierSettings(
                redis_url=redis_url,
                consumer_name="live-notifier",
                poll_interval_ms=50,
                reclaim_idle_seconds=0.2,
                reclaim_poll_ms=50,
            )
        )
    )
    try:
        await live.start()
        alerts = await eventually(lambda: outcome.alert_kinds("LOS"), bool, what="the claimed booking's alert")
        await eventually(pending_on(redis_client, names.custody_events), lambda n: n == 0, what="the ack")
    finally:
        await live.stop()

    assert alerts == [AlertKind.IN_CUSTODY.value]


async def test_an_equal_a_number_with_another_name_and_birth_date_raises_only_a_possible_match_for_review(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(samples.detainer())
    another_person = samples.person(
        first_name="MARIA",
        last_name="HERNANDEZ",
        aliases=[],
        date_of_birth="1971-02-03",
        fbi_number=None,
        state_id=None,
    )
    await ingest_api.submit(samples.booking(person=another_person))

    await notifier.custody.process(await streams.new_custody_events())

    (alert,) = await outcome.alerts("LOS")
    assert alert.kind is AlertKind.POSSIBLE_MATCH
    assert alert.match.decision.value == "possible_match"
    assert ("date_of_birth", "disagree") in [(field.field, field.level) for field in alert.match.fields]


async def test_a_detained_person_transferred_raises_a_transferred_alert_naming_the_new_facility(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking(), samples.transfer(to_facility_ori="CA0190000"))

    await notifier.custody.process(await streams.new_custody_events())

    alerts = {alert.kind: alert for alert in await outcome.alerts("LOS")}
    assert set(alerts) == {AlertKind.IN_CUSTODY, AlertKind.TRANSFERRED}
    assert alerts[AlertKind.TRANSFERRED].to_facility_ori == "CA0190000"
