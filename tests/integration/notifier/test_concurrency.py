"""Notifiers working at once: a lodge racing a booking, two instances on one booking."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence

import pytest
from redis.asyncio import Redis

from contracts import AlertKind, Person, RedisNames
from notifier.domain.custody import BookingState
from notifier.handlers.booking_index import BookingIndex, filing_keys_of
from notifier.handlers.bookings import Bookings
from notifier.matching import booking_filing_keys
from store.bookings import BookingKey, StoredBooking
from tests import samples
from tests.integration.notifier.support import (
    BOOKING_NUMBER,
    FACILITY,
    RETENTION_SECONDS,
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    build_ports,
    fixed_clock,
)

# --- a detainer lodged while the booking is being processed -------------------------------


@pytest.mark.parametrize("order", ["custody_first", "lodge_first", "concurrently"])
async def test_a_booking_and_a_lodge_processed_in_any_order_raise_exactly_one_in_custody_alert(
    order: str,
    redis_client: Redis,
    second_client: Redis,
    names: RedisNames,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    one = await NotifierInstance.start(build_ports(redis_client, names))
    other = await NotifierInstance.start(build_ports(second_client, names))
    await ingest_api.submit(samples.booking())
    await ingest_api.lodge(samples.detainer())
    events, changes = await streams.new_custody_events(), await streams.new_detainer_changes()

    if order == "custody_first":
        await one.custody.process(events)
        await other.lodges.process(changes)
    elif order == "lodge_first":
        await other.lodges.process(changes)
        await one.custody.process(events)
    else:
        await asyncio.gather(one.custody.process(events), other.lodges.process(changes))

    assert await outcome.alert_kinds("LOS") == ["in_custody"]
    assert len(await outcome.alerts_raised()) == 1


class BookingIndexWithAWindow(BookingIndex):
    """Runs ``meanwhile`` once, just before or just after the bookings are filed."""

    def __init__(
        self, client: Redis, names: RedisNames, *, window: str, meanwhile: Callable[[], Awaitable[None]]
    ) -> None:
        super().__init__(client, names, retention_seconds=RETENTION_SECONDS, clock=fixed_clock)
        self._window = window
        self._meanwhile: Callable[[], Awaitable[None]] | None = meanwhile

    async def _run_once(self) -> None:
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            await meanwhile()

    async def record(self, transitions: Sequence[tuple[BookingState, BookingState]]) -> None:
        if self._window == "before_filing":
            await self._run_once()
        await super().record(transitions)
        if self._window == "after_filing":
            await self._run_once()


@pytest.mark.parametrize("window", ["before_filing", "after_filing"])
async def test_a_detainer_lodged_and_processed_while_the_booking_is_processed_raises_exactly_one_alert(
    window: str,
    redis_client: Redis,
    second_client: Redis,
    names: RedisNames,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    lodging_notifier = await NotifierInstance.start(build_ports(second_client, names))

    async def lodge_and_process_it() -> None:
        await ingest_api.lodge(samples.detainer())
        await lodging_notifier.lodges.process(await streams.new_detainer_changes())

    booking_notifier = await NotifierInstance.start(
        build_ports(
            redis_client,
            names,
            booking_index=BookingIndexWithAWindow(redis_client, names, window=window, meanwhile=lodge_and_process_it),
        )
    )
    await ingest_api.submit(samples.booking())

    await booking_notifier.custody.process(await streams.new_custody_events())

    assert await outcome.alert_kinds("LOS") == ["in_custody"]
    assert len(await outcome.alerts_raised()) == 1


# --- two notifiers saving the same booking ----------------------------------------------------


class BookingStoreThatWaitsForTheOther(Bookings):
    """Holds its first read until the other notifier has read too, so both start from the same version."""

    def __init__(self, client: Redis, names: RedisNames, *, both_read: asyncio.Barrier) -> None:
        super().__init__(client, names, retention_seconds=RETENTION_SECONDS)
        self._both_read = both_read
        self.reads = 0

    async def load_many(self, bookings: Iterable[BookingKey]) -> dict[BookingKey, StoredBooking]:
        loaded = await super().load_many(bookings)
        self.reads += 1
        if self.reads == 1:
            await self._both_read.wait()
        return loaded


async def two_notifiers_racing(
    first_client: Redis, second_client: Redis, names: RedisNames
) -> tuple[NotifierInstance, NotifierInstance, list[BookingStoreThatWaitsForTheOther]]:
    both_read = asyncio.Barrier(2)
    stores = [
        BookingStoreThatWaitsForTheOther(client, names, both_read=both_read) for client in (first_client, second_client)
    ]
    one = await NotifierInstance.start(build_ports(first_client, names, bookings=stores[0]))
    other = await NotifierInstance.start(build_ports(second_client, names, bookings=stores[1]))
    return one, other, stores


async def test_two_notifiers_processing_a_booking_and_its_schedule_at_once_keep_both_facts(
    redis_client: Redis,
    second_client: Redis,
    names: RedisNames,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking(), samples.release_scheduled())
    booking_entry, schedule_entry = await streams.new_custody_events()
    one, other, stores = await two_notifiers_racing(redis_client, second_client, names)

    await asyncio.gather(one.custody.process([booking_entry]), other.custody.process([schedule_entry]))

    state = await outcome.booking()
    assert state.in_custody
    assert state.person is not None
    assert state.person.a_number == "A012345678"
    assert state.release_pending is not None
    assert state.release_pending.isoformat() == "2026-11-24T09:00:00-08:00"
    assert await redis_client.hget(names.booking("CA0194200", "2026-004512"), "version") == b"2"
    assert await outcome.alert_kinds("LOS") == ["in_custody", "release_scheduled"]
    assert sum(store.reads for store in stores) == 3, "one save should have lost the race and been re-applied"


async def test_two_notifiers_processing_a_booking_and_its_release_at_once_leave_the_person_released(
    redis_client: Redis,
    second_client: Redis,
    names: RedisNames,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    await ingest_api.submit(samples.booking(), samples.release())
    booking_entry, release_entry = await streams.new_custody_events()
    one, other, stores = await two_notifiers_racing(redis_client, second_client, names)

    await asyncio.gather(one.custody.process([booking_entry]), other.custody.process([release_entry]))

    state = await outcome.booking()
    assert not state.in_custody
    assert state.person is not None
    assert state.released_at is not None
    assert sum(store.reads for store in stores) == 3, "one save should have lost the race and been re-applied"
    # A detainer lodged now learns the whole stay: booked, then released.
    await ingest_api.lodge(samples.detainer())
    report = await one.lodges.process(await streams.new_detainer_changes())
    assert sorted(alert.kind for alert in report.alerts) == [AlertKind.IN_CUSTODY, AlertKind.RELEASED]


class BookingStoreThatSavesAfterTheOther(BookingStoreThatWaitsForTheOther):
    """Reads when the other notifier reads, then saves only once the other has saved: its first save is refused."""

    def __init__(
        self, client: Redis, names: RedisNames, *, both_read: asyncio.Barrier, other_saved: asyncio.Event | None
    ) -> None:
        super().__init__(client, names, both_read=both_read)
        self._other_saved = other_saved
        self.saved = asyncio.Event()

    async def save_many(self, changes: Sequence[tuple[StoredBooking, BookingState]]) -> list[bool]:
        if self._other_saved is not None:
            await self._other_saved.wait()
        saved = await super().save_many(changes)
        self.saved.set()
        return saved


async def test_a_booking_whose_save_lost_the_race_is_filed_under_the_person_saved_not_the_one_it_tried(
    redis_client: Redis,
    second_client: Redis,
    names: RedisNames,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    """The booking is filed as its save is written, before Redis answers; a save refused leaves the filing of a
    state never saved, which the next round undoes."""
    corrected = samples.person(
        last_name="NGUYEN",
        first_name="MINH",
        middle_name=None,
        date_of_birth="1979-12-02",
        place_of_birth="VN",
        aliases=[],
        fbi_number="987654CD1",
        state_id={"state": "CA", "number": "B7654321"},
        a_number="A098765432",
    )
    await ingest_api.submit(samples.booking(), samples.booking_updated(person=corrected))
    booking_entry, correction_entry = await streams.new_custody_events()
    both_read = asyncio.Barrier(2)
    winner = BookingStoreThatSavesAfterTheOther(redis_client, names, both_read=both_read, other_saved=None)
    loser = BookingStoreThatSavesAfterTheOther(second_client, names, both_read=both_read, other_saved=winner.saved)
    correcting = await NotifierInstance.start(build_ports(redis_client, names, bookings=winner))
    booking = await NotifierInstance.start(build_ports(second_client, names, bookings=loser))

    await asyncio.gather(booking.custody.process([booking_entry]), correcting.custody.process([correction_entry]))

    assert loser.reads == 2, "the booking's first save should have been refused"
    state = await outcome.booking()
    assert state.person is not None
    assert state.person.last_name == "NGUYEN"
    index = BookingIndex(redis_client, names, retention_seconds=RETENTION_SECONDS, clock=fixed_clock)
    tried_only = booking_filing_keys(Person.model_validate_json(json.dumps(samples.person()))) - filing_keys_of(state)
    assert tried_only
    assert await index.bookings_filed_under(tried_only) == []
    assert await index.bookings_filed_under(filing_keys_of(state)) == [names.booking(FACILITY, BOOKING_NUMBER)]
