"""Booking states saved in a former format keep being read: as plain JSON, before states were stored compact, by
the next event of the booking (which saves the state compact, by the same compare-and-set) and by a detainer
lodged later; deflated against the words (marker 1), by the next event, which saves it in the current format."""

from __future__ import annotations

from redis.asyncio import Redis

from contracts import AlertKind, RedisNames
from store.bookings import _STATE_WORDS_1
from store.compact_json import DeflatedJson
from tests import samples
from tests.integration.notifier.support import IngestApi, NotifierInstance, Outcome, Streams

FACILITY = "CA0194200"
BOOKING_NUMBER = "2026-004512"


async def process_feed(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, *events: dict[str, object]
) -> None:
    await ingest_api.submit(*events)
    await notifier.custody.process(await streams.new_custody_events())


async def store_as_before(redis_client: Redis, names: RedisNames, outcome: Outcome) -> bytes:
    """Rewrites the booking's state as the former layout kept it (the model's whole JSON); returns its version."""
    state = await outcome.booking()
    key = names.booking(FACILITY, BOOKING_NUMBER)
    await redis_client.hset(key, "state", state.model_dump_json())
    version = await redis_client.hget(key, "version")
    assert version is not None
    return version


async def test_the_next_event_reads_a_state_saved_as_plain_json_and_saves_it_compact(
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await process_feed(notifier, streams, ingest_api, samples.booking(), samples.release_scheduled())
    before = await outcome.booking()
    version = await store_as_before(redis_client, names, outcome)

    await process_feed(notifier, streams, ingest_api, samples.release())

    after = await outcome.booking()
    assert after.model_copy(update={"released_at": None, "release_reason": None, "release_stamp": None}) == before
    assert after.released_at is not None
    key = names.booking(FACILITY, BOOKING_NUMBER)
    assert await redis_client.hget(key, "version") == str(int(version) + 1).encode()
    stored = await redis_client.hget(key, "state")
    assert stored is not None
    assert stored[:1] == b"\x02"
    assert len(stored) * 3 < len(after.model_dump_json())


async def test_the_next_event_reads_a_state_saved_deflated_and_saves_it_in_the_current_format(
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await process_feed(notifier, streams, ingest_api, samples.booking(), samples.release_scheduled())
    before = await outcome.booking()
    key = names.booking(FACILITY, BOOKING_NUMBER)
    await redis_client.hset(key, "state", DeflatedJson(b"\x01", _STATE_WORDS_1).encode(before.stored_json()))

    await process_feed(notifier, streams, ingest_api, samples.release())

    after = await outcome.booking()
    assert after.model_copy(update={"released_at": None, "release_reason": None, "release_stamp": None}) == before
    assert after.released_at is not None
    stored = await redis_client.hget(key, "state")
    assert stored is not None
    assert stored[:1] == b"\x02"


async def test_a_detainer_lodged_later_finds_a_booking_whose_state_was_saved_as_plain_json(
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await process_feed(notifier, streams, ingest_api, samples.booking(), samples.release_scheduled())
    await store_as_before(redis_client, names, outcome)

    await ingest_api.lodge(samples.detainer())
    report = await notifier.lodges.process(await streams.new_detainer_changes())

    assert sorted(alert.kind for alert in report.alerts) == sorted([AlertKind.IN_CUSTODY, AlertKind.RELEASE_SCHEDULED])
