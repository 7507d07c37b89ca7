"""The booking states and the booking index the notifier keeps in Redis."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from contracts import AlertKind, Person, RedisNames
from notifier.domain.custody import BookingState, stored_person
from notifier.handlers.booking_index import BookingIndex
from notifier.handlers.bookings import Bookings
from notifier.matching import blocking_keys, booking_filing_keys, booking_scheme_change, booking_search_keys
from store import booking_index
from store.booking_index import PRUNE_SLICES_A_RUN
from store.bookings import StoredBooking
from tests import samples
from tests.integration.notifier.support import (
    FIXED_NOW,
    RETENTION_SECONDS,
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    WiredNotifier,
    without_identifiers_but,
)

BOOKING_KEY = RedisNames().booking("CA0194200", "2026-004512")


async def process_feed(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, *events: dict[str, object]
) -> None:
    await ingest_api.submit(*events)
    await notifier.custody.process(await streams.new_custody_events())


async def filed_under(notifier: NotifierInstance, person: dict[str, object]) -> list[str]:
    """The bookings a detainer lodged on ``person`` would look at (the lodge path's search)."""
    index = notifier.ports.booking_index
    return await index.bookings_filed_under(index.search_keys(Person.model_validate(person, strict=False)))


def someone_else_sharing(**identifier: object) -> dict[str, object]:
    """Another name and date of birth: only the identifier is shared with ``samples.person()``."""
    return samples.person(
        first_name="MARIA",
        last_name="HERNANDEZ",
        date_of_birth="1975-08-30",
        aliases=[],
        **without_identifiers_but(**identifier),
    )


async def lodge_and_process(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, **detainer: object
) -> int:
    """Lodges a detainer; returns how many alerts its lodge raised."""
    await ingest_api.lodge(samples.detainer(**detainer))
    report = await notifier.lodges.process(await streams.new_detainer_changes())
    return len(report.alerts)


async def test_a_booked_person_is_found_by_each_of_their_identifiers_alone(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi
) -> None:
    await process_feed(notifier, streams, ingest_api, samples.booking())

    for identifier in (
        {"a_number": "A12345678"},
        {"fbi_number": "123456AB9"},
        {"state_id": {"state": "CA", "number": "A1234567"}},
    ):
        assert await filed_under(notifier, someone_else_sharing(**identifier)) == [BOOKING_KEY]
    assert await filed_under(notifier, someone_else_sharing()) == []


@pytest.mark.parametrize(("leaving", "kind"), [("release", AlertKind.RELEASED), ("transfer", AlertKind.TRANSFERRED)])
async def test_a_new_detainer_on_someone_who_left_recently_learns_the_stay_and_that_it_ended(
    leaving: str, kind: AlertKind, notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await process_feed(notifier, streams, ingest_api, samples.booking(), samples.EVENT_BUILDERS[leaving]())
    assert await filed_under(notifier, samples.person()) == [BOOKING_KEY]

    assert await lodge_and_process(notifier, streams, ingest_api) == 2

    assert sorted(alert.kind for alert in await outcome.alerts("LOS")) == sorted([AlertKind.IN_CUSTODY, kind])


async def test_a_booking_is_no_longer_found_once_its_retention_after_release_ran_out(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, redis_client: Redis, names: RedisNames
) -> None:
    await process_feed(notifier, streams, ingest_api, samples.booking(), samples.release())
    later = BookingIndex(
        redis_client,
        names,
        retention_seconds=RETENTION_SECONDS,
        clock=lambda: FIXED_NOW + timedelta(seconds=RETENTION_SECONDS + 1),
    )

    booked = booking_filing_keys(Person.model_validate(samples.person(), strict=False))
    assert await later.bookings_filed_under(booked) == []


async def test_a_person_still_held_stays_filed_for_good(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, redis_client: Redis, names: RedisNames
) -> None:
    await process_feed(notifier, streams, ingest_api, samples.booking())
    much_later = BookingIndex(
        redis_client, names, retention_seconds=RETENTION_SECONDS, clock=lambda: FIXED_NOW + timedelta(days=3650)
    )

    booked = booking_filing_keys(Person.model_validate(samples.person(), strict=False))
    found = await much_later.bookings_filed_under(booked)

    assert found == [BOOKING_KEY]


async def test_a_corrected_identity_is_found_under_the_new_identifiers_only(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    old = someone_else_sharing(a_number="A012345678")  # booked under another person's identity at first
    new = samples.person(**without_identifiers_but(a_number="A087654321"))
    await process_feed(notifier, streams, ingest_api, samples.booking(person=old))

    await process_feed(notifier, streams, ingest_api, samples.booking_updated(person=new))

    assert await filed_under(notifier, old) == []
    assert await filed_under(notifier, new) == [BOOKING_KEY]
    assert await lodge_and_process(notifier, streams, ingest_api, detainer_id="LOS-OLD", person=old) == 0
    assert await lodge_and_process(notifier, streams, ingest_api, detainer_id="LOS-NEW", person=new) == 1
    assert [alert.detainer_id for alert in await outcome.alerts("LOS")] == ["LOS-NEW"]


async def test_no_key_name_carries_an_identifier(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, redis_client: Redis, names: RedisNames
) -> None:
    await ingest_api.lodge(samples.detainer())
    await process_feed(notifier, streams, ingest_api, samples.booking(), samples.release_scheduled())

    index_keys = [key.decode() async for key in redis_client.scan_iter(match=f"{names.prefix}:booking-index:*")]
    every_key = [key.decode() async for key in redis_client.scan_iter(match=names.scan_pattern)]

    booked = Person.model_validate(samples.person(), strict=False)
    assert 0 < len(index_keys) <= len(booking_filing_keys(booked))  # buckets named by digest prefixes
    for key in every_key:
        for personal in ("12345678", "123456AB9", "A1234567", "GARCIA", "LOPEZ", "JOSE", "PEPE", "1990", "0417"):
            assert personal not in key, key


async def test_a_booking_state_is_kept_while_the_person_is_held_and_expires_after_release(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, redis_client: Redis
) -> None:
    await process_feed(notifier, streams, ingest_api, samples.booking(), samples.release_scheduled())
    assert await redis_client.ttl(BOOKING_KEY) == -1  # no expiry

    await process_feed(notifier, streams, ingest_api, samples.release())

    assert 0 < await redis_client.ttl(BOOKING_KEY) <= RETENTION_SECONDS


async def index_keys(redis: Redis, names: RedisNames, layout: str) -> list[str]:
    return sorted([key.decode() async for key in redis.scan_iter(match=f"{names.prefix}:{layout}:*")])


async def test_bookings_filed_under_both_former_layouts_are_found_once_the_upgrade_moved_them_to_the_buckets(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, redis_client: Redis, names: RedisNames
) -> None:
    await process_feed(notifier, streams, ingest_api, samples.booking())
    buckets = await index_keys(redis_client, names, "booking-index")
    await redis_client.delete(*buckets)
    digests = sorted(  # the index's keys back then: the matcher's own
        hashlib.sha256(key.encode()).hexdigest()[:32]
        for key in blocking_keys(Person.model_validate(samples.person(), strict=False))
    )
    for n, digest in enumerate(digests):  # as the former layouts filed it: a set per key, whole keys, ms
        former = names.former_bookings_by_blocking_key if n % 2 else names.bookings_by_blocking_key
        await redis_client.zadd(former(digest), {BOOKING_KEY: float("inf")})
    index = notifier.ports.booking_index

    assert await filed_under(notifier, samples.person()) == []  # lookups read the buckets only
    assert await index.upgrade() == len(digests)

    assert await index_keys(redis_client, names, "bookings-by-key") == []  # every former set is gone
    after = await index_keys(redis_client, names, "booking-index")
    assert sorted(after) == sorted({names.booking_index_bucket(digest[:4]) for digest in digests})  # level 2's
    assert all([await redis_client.ttl(key) == -1 for key in after])  # still in custody: kept for good
    assert await filed_under(notifier, samples.person()) == [BOOKING_KEY]
    assert await index.upgrade() == 0

    await index.refile_former_keys(notifier.ports.bookings.every_state())  # then to the index's own keys
    await process_feed(notifier, streams, ingest_api, samples.release())
    after = [key for key in await index_keys(redis_client, names, "booking-index") if key != names.booking_index_scheme]
    assert all([0 < await redis_client.ttl(key) <= RETENTION_SECONDS for key in after])  # refiled: expires


async def test_bookings_filed_under_the_former_keys_are_found_and_moved_to_the_current_ones_once(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, redis_client: Redis, names: RedisNames
) -> None:
    held = {"facility_ori": "CA0194200", "booking_number": "2026-009999"}  # the same person, held elsewhere
    held_key = names.booking(held["facility_ori"], held["booking_number"])
    await process_feed(notifier, streams, ingest_api, samples.booking(), samples.booking(event_id="evt-9", **held))
    await process_feed(notifier, streams, ingest_api, samples.release())
    # As the index filed them before it had keys of its own: under the matcher's (a year error four keys, not one).
    await redis_client.delete(*await index_keys(redis_client, names, "booking-index"))
    states = [state async for chunk in notifier.ports.bookings.every_state() for state, _ in chunk]
    former = booking_index.BookingIndex[BookingState](
        redis_client,
        names,
        keys_of=lambda state: blocking_keys(state.person) if state.person is not None else frozenset(),
        retention_seconds=RETENTION_SECONDS,
        clock=lambda: FIXED_NOW,
    )
    await former.record([(BookingState.empty(*state.key), state) for state in states])
    index = notifier.ports.booking_index
    booked = Person.model_validate(samples.person(), strict=False)
    year_off = samples.person(date_of_birth="1991-04-17", aliases=[], **without_identifiers_but())
    both = sorted([BOOKING_KEY, held_key])

    assert await filed_under(notifier, year_off) == both  # a lodge finds them under the former keys
    assert await index.bookings_filed_under(booking_filing_keys(Person.model_validate(year_off, strict=False))) == []
    searched_before = index.search_keys(booked)

    assert await index.refile_former_keys(notifier.ports.bookings.every_state()) == 2

    gone, added = booking_scheme_change(booked)
    assert await index.bookings_filed_under(gone) == []
    assert await index.bookings_filed_under(added) == both
    assert await filed_under(notifier, year_off) == both  # now under the current keys alone
    left_out = searched_before - index.search_keys(booked)  # where only the former scheme filed: nothing now
    assert left_out >= gone
    assert {key.split(":")[0] for key in left_out} == {"q", "r", "e", "y"}
    later = BookingIndex(  # the released booking's filing goes with its state, the held one's stays
        redis_client,
        names,
        retention_seconds=RETENTION_SECONDS,
        clock=lambda: FIXED_NOW + timedelta(seconds=RETENTION_SECONDS + 2),
    )
    assert await later.bookings_filed_under(added) == [held_key]
    assert await index.refile_former_keys(notifier.ports.bookings.every_state()) is None  # once


async def test_a_released_bookings_filings_go_when_its_retention_ends_even_in_buckets_nobody_writes_again(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, redis_client: Redis, names: RedisNames
) -> None:
    held = {"facility_ori": "CA0194200", "booking_number": "2026-009999"}  # the same person, held elsewhere
    await process_feed(notifier, streams, ingest_api, samples.booking(), samples.booking(event_id="evt-9", **held))
    await process_feed(notifier, streams, ingest_api, samples.release())
    buckets = await index_keys(redis_client, names, "booking-index")
    members = [m for key in buckets for m in await redis_client.zrange(key, 0, -1)]
    later = BookingIndex(
        redis_client,
        names,
        retention_seconds=RETENTION_SECONDS,
        clock=lambda: FIXED_NOW + timedelta(seconds=RETENTION_SECONDS + 1),
    )

    dropped = [await later.prune() for _ in range(4096 // PRUNE_SLICES_A_RUN)]  # a notifier's chore, one pass

    assert sum(dropped) == len(members) // 2 > 0
    kept = [m for key in buckets for m in await redis_client.zrange(key, 0, -1)]
    assert len(kept) == len(members) // 2  # the held booking's filings only, in the same buckets
    assert all(m.endswith(b"2026-009999") for m in kept)
    assert await index_keys(redis_client, names, "booking-index") == sorted(
        [*buckets, names.booking_index_prune_cursor]
    )


async def test_a_notifier_moves_the_former_layouts_to_the_buckets_before_it_reads(
    wired: WiredNotifier, redis_client: Redis, names: RedisNames
) -> None:
    untagged, tagged = "d9" + "0" * 30, "3c" + "f" * 30
    await redis_client.zadd(names.former_bookings_by_blocking_key(untagged), {BOOKING_KEY: float("inf")})
    await redis_client.zadd(names.bookings_by_blocking_key(tagged), {BOOKING_KEY: 1_900_000_000_000})

    await wired.start()

    assert await index_keys(redis_client, names, "bookings-by-key") == []
    reference = names.booking_reference(BOOKING_KEY).encode()
    first = names.booking_index_bucket("d900")  # (level 2: where filings go first)
    assert await redis_client.zrange(first, 0, -1, withscores=True) == [(b"000000" + reference, float("inf"))]
    assert await redis_client.ttl(first) == -1
    second = names.booking_index_bucket("3cff")
    assert await redis_client.zrange(second, 0, -1, withscores=True) == [(b"ffffff" + reference, 1_900_000_000)]


async def test_a_lodges_lookup_reads_the_buckets_that_exist_in_a_call_a_tag_and_never_scans(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, redis_client: Redis
) -> None:
    await process_feed(notifier, streams, ingest_api, samples.booking())
    person = Person.model_validate(samples.person(), strict=False)
    keys = booking_search_keys(person)
    await redis_client.config_resetstat()

    assert await filed_under(notifier, samples.person()) == [BOOKING_KEY]

    stats = await redis_client.info("commandstats")
    assert "cmdstat_scan" not in stats
    level_2 = {hashlib.sha256(key.encode()).hexdigest()[:4] for key in keys}  # each key's level-2 bucket
    filed = {hashlib.sha256(key.encode()).hexdigest()[:4] for key in booking_filing_keys(person)}
    tags = {bucket[:2] for bucket in level_2}
    assert int(stats["cmdstat_evalsha"]["calls"]) == len(tags)  # one lookup a tag
    # The level-2 buckets of each tag that has the booking filed in one of them (it went to level 2): the levels
    # of which none exists, and the level-2 buckets of a tag with none, are not read.
    read_level_2 = {bucket for bucket in level_2 if any(filed_in[:2] == bucket[:2] for filed_in in filed & level_2)}
    assert int(stats["cmdstat_zrangebyscore"]["calls"]) == len(read_level_2)


async def test_a_booking_whose_filing_was_cut_short_is_filed_when_its_batch_comes_back(
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = notifier.ports.booking_index
    really_record = index.record

    async def crash(*_: object) -> None:
        raise ConnectionError("the notifier died between saving the state and filing it")

    await ingest_api.submit(samples.booking(), samples.release_scheduled())
    entries = await streams.new_custody_events()
    monkeypatch.setattr(index, "record", crash)
    with pytest.raises(ConnectionError):
        await notifier.custody.process(entries)  # the states are saved; the batch stays pending
    assert await filed_under(notifier, samples.person()) == []

    monkeypatch.setattr(index, "record", really_record)
    await notifier.custody.process(entries)  # redelivered: nothing left to change in the state

    assert await filed_under(notifier, samples.person()) == [BOOKING_KEY]
    assert await lodge_and_process(notifier, streams, ingest_api) == 2  # a detainer lodged now finds the stay
    assert sorted(alert.kind for alert in await outcome.alerts("LOS")) == [
        AlertKind.IN_CUSTODY,
        AlertKind.RELEASE_SCHEDULED,
    ]


async def test_an_event_that_changes_nothing_filed_writes_nothing_to_the_index(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    await process_feed(notifier, streams, ingest_api, samples.booking())
    index = notifier.ports.booking_index
    filed: list[int] = []
    really_file = index._file.many  # the filing script's calls

    async def counted(calls: list[tuple[object, list[object]]]) -> list[object]:
        filed.append(sum(len(args) - 3 for _, args in calls))  # filings: the arguments after the first three
        return await really_file(calls)

    monkeypatch.setattr(index._file, "many", counted)
    await process_feed(notifier, streams, ingest_api, samples.release_scheduled())  # still held, same person
    await process_feed(notifier, streams, ingest_api, samples.release())  # released: filed with an expiry now

    assert filed[0] == 0
    assert filed[1] > 0
    assert await filed_under(notifier, samples.person()) == [BOOKING_KEY]


async def test_a_booking_never_saved_loads_as_its_empty_state_at_version_0_beside_saved_ones(
    redis_client: Redis, names: RedisNames
) -> None:
    bookings = Bookings(redis_client, names, retention_seconds=RETENTION_SECONDS)
    saved = BookingState.empty("CA0194200", "B1").model_copy(update={"release_withheld_by": "rule"})
    assert await bookings.save_many([(StoredBooking(BookingState.empty("CA0194200", "B1"), 0), saved)]) == [True]

    loaded = await bookings.load_many([("CA0194200", "B2"), ("CA0194200", "B1"), ("CA0194200", "B2")])

    assert list(loaded) == [("CA0194200", "B2"), ("CA0194200", "B1")]
    never = loaded["CA0194200", "B2"]
    assert (never.state, never.version, never.reviews) == (BookingState.empty("CA0194200", "B2"), 0, {})
    assert never.state.model_dump_json(exclude_unset=True) == '{"facility_ori":"CA0194200","booking_number":"B2"}'
    assert (loaded["CA0194200", "B1"].state, loaded["CA0194200", "B1"].version) == (saved, 1)
    assert loaded["CA0194200", "B1"].reviews == {}


async def test_bookings_read_by_key_are_read_in_full_only_where_the_caller_wants_them(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, names: RedisNames
) -> None:
    other_person = samples.person(first_name="ANA", last_name="TORRES")
    other = names.booking("CA0194200", "2026-000002")
    await process_feed(
        notifier,
        streams,
        ingest_api,
        samples.booking(),
        samples.booking(event_id="evt-0002", booking_number="2026-000002", person=other_person),
    )
    looked_at: list[tuple[str, str | None, list[str]]] = []

    def where(key: str, state_json: bytes, reviewed: Collection[str]) -> bool:
        person = stored_person(state_json)
        looked_at.append((key, person and person.last_name, list(reviewed)))
        return key == other

    never_saved = names.booking("CA0194200", "2026-000003")
    loaded = await notifier.ports.bookings.load_keys([BOOKING_KEY, other, never_saved], where=where)

    assert looked_at == [(BOOKING_KEY, "GARCIA LOPEZ", []), (other, "TORRES", [])]  # (no state: not looked at)
    assert list(loaded) == [other]
    assert loaded[other].state.person == Person.model_validate(other_person, strict=False)
