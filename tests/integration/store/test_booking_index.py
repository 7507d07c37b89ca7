"""The index of bookings by blocking key (``store.booking_index``): where a batch's filings go and are found."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from notifier.domain.custody import BookingState
from runtime.scripts import Script, ScriptCall
from store.booking_index import BookingIndex

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
# Two blocking keys whose digests share their first four hex digits (the tag, and so their buckets at levels 1 and
# 2) and not the fifth (their level-3 buckets differ).
FIRST, SECOND = "p:JOHN:SMITH:1980:209", "p:JOHN:SMITH:1980:328"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def bucket_names(names: RedisNames, key: str, top: int) -> list[str]:
    """A key's buckets, from level ``top`` to the last (3)."""
    return [names.booking_index_bucket(digest(key)[: 2 + level]) for level in range(top, 4)]


def by_level(*buckets_of_keys: list[str], order: list[str]) -> list[str]:
    """KEYS of a call for these keys' buckets, level by level, the keys in the order of their deepest bucket in
    ``order`` (the batch's order: whatever it is, each key's buckets take the same place at every level)."""
    keys = sorted(buckets_of_keys, key=lambda buckets: order.index(buckets[-1]) if buckets[-1] in order else -1)
    return [name for level in zip(*keys, strict=True) for name in level]


def index_by_number(
    redis_client: Redis, names: RedisNames, keys_by_number: dict[str, set[str]]
) -> BookingIndex[BookingState]:
    """An index filing each booking under the keys given for its number (none for another)."""
    return BookingIndex[BookingState](
        redis_client,
        names,
        keys_of=lambda state: keys_by_number.get(state.booking_number, set()),
        retention_seconds=3600,
        clock=lambda: NOW,
    )


async def test_a_key_is_unfiled_from_its_own_deepest_bucket_beside_a_key_sharing_the_shallower_ones(
    redis_client: Redis, names: RedisNames
) -> None:
    assert digest(FIRST)[:4] == digest(SECOND)[:4] != digest(SECOND)[:5] != digest(FIRST)[:5]
    before = BookingState(facility_ori="CA0194200", booking_number="2026-004512", booked_at=NOW)
    after = before.model_copy(update={"release_withheld_by": "rule"})  # still held, no longer under SECOND
    booking = names.booking(*before.key)
    member = digest(SECOND)[2:8] + names.booking_reference(booking)
    # Filed under SECOND when its shallower buckets were full: in its level-3 bucket.
    await redis_client.zadd(names.booking_index_bucket(digest(SECOND)[:5]), {member: float("inf")})
    index = BookingIndex[BookingState](
        redis_client,
        names,
        keys_of=lambda state: {FIRST, SECOND} if state is before else {FIRST},
        retention_seconds=3600,
        clock=lambda: NOW,
    )

    await index.record([(before, after)])

    assert await index.bookings_filed_under([SECOND]) == []
    assert await index.bookings_filed_under([FIRST]) == [booking]


async def test_a_new_booking_is_filed_without_looking_deeper_and_its_release_finds_its_filings_wherever_they_went(
    redis_client: Redis, names: RedisNames
) -> None:
    empty = BookingState(facility_ori="CA0194200", booking_number="2026-004512", booked_at=NOW)
    booked = empty.model_copy(update={"release_withheld_by": "rule"})  # (any other state: the keys are given)
    released = booked.model_copy(update={"released_at": NOW})
    booking = names.booking(*empty.key)
    # Level 1 of both keys is full, and level 2 in use: a filing goes to level 2.
    head = names.booking_index_bucket(digest(FIRST)[:3])
    await redis_client.zadd(head, {f"------other{n}": float("inf") for n in range(128)})
    await redis_client.zadd(names.booking_index_bucket(digest(FIRST)[:4]), {"x": float("inf")})
    index = BookingIndex[BookingState](
        redis_client,
        names,
        keys_of=lambda state: set() if state is empty else {FIRST, SECOND},
        retention_seconds=3600,
        clock=lambda: NOW,
    )
    await redis_client.config_resetstat()

    await index.record([(empty, booked)])

    commands = await redis_client.info("commandstats")
    assert "cmdstat_exists" not in commands  # new filings: no bucket asked whether it exists
    assert await index.bookings_filed_under([FIRST]) == await index.bookings_filed_under([SECOND]) == [booking]

    await redis_client.zrem(head, "------other0")  # room at level 1 again
    await index.record([(booked, released)])  # filed again with the retention: found where they are

    member = digest(FIRST)[2:8] + names.booking_reference(booking)
    level_2 = names.booking_index_bucket(digest(FIRST)[:4])
    assert await redis_client.zscore(level_2, member) == int(NOW.timestamp()) + 3600
    assert await redis_client.zcard(head) == 127  # not filed a second time


async def test_searches_made_together_find_what_each_finds_alone_reading_a_shared_bucket_once(
    redis_client: Redis, names: RedisNames
) -> None:
    third = "p:MARIA:LOPEZ:1975:830"
    assert digest(third)[:2] != digest(FIRST)[:2]
    keys_by_number = {"2026-000001": {FIRST}, "2026-000002": {SECOND}}
    states = [BookingState(facility_ori="CA0194200", booking_number=number, booked_at=NOW) for number in keys_by_number]
    first, second = (names.booking(*state.key) for state in states)
    index = index_by_number(redis_client, names, keys_by_number)
    await index.record([(state.model_copy(update={"booking_number": "none"}), state) for state in states])
    # Under the third key: in its deepest bucket, one filing there expired.
    deep, gone = (names.booking("CA0194200", f"2026-00000{n}") for n in (3, 4))
    third_digest = digest(third)
    filed = {
        third_digest[2:8] + names.booking_reference(deep): 2e9,
        third_digest[2:8] + names.booking_reference(gone): 1,
    }
    await redis_client.zadd(names.booking_index_bucket(third_digest[:5]), filed)
    searches = [[FIRST], [SECOND], [FIRST, SECOND], [third], [], [SECOND, third]]
    await redis_client.config_resetstat()

    found = await index.bookings_filed_under_each(searches)

    stats = await redis_client.info("commandstats")
    # One call a tag; what exists is read, once: FIRST's and SECOND's shared level-2 bucket (their other levels do
    # not exist) and the third key's level-3 bucket (its others do not).
    assert int(stats["cmdstat_evalsha"]["calls"]) == 2
    assert int(stats["cmdstat_zrangebyscore"]["calls"]) == 1 + 1
    assert found == [[first], [second], [first, second], [deep], [], [second, deep]]
    assert found == [await index.bookings_filed_under(keys) for keys in searches]


async def test_a_booking_goes_to_level_2_first_and_one_a_former_version_filed_at_level_1_is_kept_there(
    redis_client: Redis, names: RedisNames
) -> None:
    held = BookingState(facility_ori="CA0194200", booking_number="2026-000001", booked_at=NOW)
    released = held.model_copy(update={"released_at": NOW})
    unfiled = released.model_copy(update={"release_withheld_by": "rule"})  # (any other state: the keys are given)
    booked = held.model_copy(update={"booking_number": "2026-000002"})
    nobody = booked.model_copy(update={"booking_number": "none"})
    retained = 10**9  # (so that the bucket is not expired by the clock of the Redis under test)
    former, new = names.booking(*held.key), names.booking(*booked.key)
    level_1, level_2 = (names.booking_index_bucket(digest(FIRST)[:end]) for end in (3, 4))
    member = digest(FIRST)[2:8] + names.booking_reference(former)
    await redis_client.zadd(level_1, {member: float("inf")})  # where a former version filed it: room there still
    index = BookingIndex[BookingState](
        redis_client,
        names,
        keys_of=lambda state: set() if state is nobody or state is unfiled else {FIRST},
        retention_seconds=retained,
        clock=lambda: NOW,
    )

    await index.record([(held, released), (nobody, booked)])

    assert await index.bookings_filed_under([FIRST]) == [former, new]
    assert await redis_client.zrange(level_1, 0, -1, withscores=True) == [(member.encode(), NOW.timestamp() + retained)]
    assert await redis_client.zrange(level_2, 0, -1) == [(digest(FIRST)[2:8] + names.booking_reference(new)).encode()]

    await index.record([(released, unfiled)])
    assert await redis_client.exists(level_1) == 0
    assert await index.bookings_filed_under([FIRST]) == [new]


async def test_a_batch_of_new_bookings_is_sent_no_level_1_bucket_and_each_filing_finds_its_own_keys_buckets(
    redis_client: Redis, lean_client: Redis, names: RedisNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    third = "p:ANA:RUIZ:1990:88"  # (the tag of FIRST and SECOND, another level-1 bucket)
    assert digest(third)[:2] == digest(FIRST)[:2]
    assert digest(third)[2] != digest(FIRST)[2]
    keys_by_number = {"2026-000001": {FIRST, third}, "2026-000002": {SECOND}, "2026-000003": {third}}
    states = [BookingState(facility_ori="CA0194200", booking_number=number, booked_at=NOW) for number in keys_by_number]
    one, two, three = (names.booking(*state.key) for state in states)
    nobody = [state.model_copy(update={"booking_number": "none"}) for state in states]
    # FIRST's and SECOND's level-2 bucket (theirs alike) is full: their filings go to their own level-3 buckets.
    shared = names.booking_index_bucket(digest(FIRST)[:4])
    await redis_client.zadd(shared, {f"------other{n}": float("inf") for n in range(128)})
    index = index_by_number(lean_client, names, keys_by_number)  # (the services' client: hiredis, lean round trips)
    sent: list[list[str]] = []
    many = Script.many

    async def spy(self: Script, calls: Sequence[ScriptCall]) -> list[Any]:
        sent.extend(list(keys) for keys, _ in calls)
        return await many(self, calls)

    monkeypatch.setattr(Script, "many", spy)

    await index.record(list(zip(nobody, states, strict=True)))

    # No level-1 bucket (new filings never go there): each key's level-2 bucket, then each one's level-3 bucket.
    assert sent == [by_level(*(bucket_names(names, key, 2) for key in (FIRST, SECOND, third)), order=sent[0])]
    fragment = {key: digest(key)[2:8] for key in (FIRST, SECOND, third)}
    assert await redis_client.zrange(names.booking_index_bucket(digest(FIRST)[:5]), 0, -1) == [
        (fragment[FIRST] + names.booking_reference(one)).encode()
    ]
    assert await redis_client.zrange(names.booking_index_bucket(digest(SECOND)[:5]), 0, -1) == [
        (fragment[SECOND] + names.booking_reference(two)).encode()
    ]
    assert await redis_client.zrange(names.booking_index_bucket(digest(third)[:4]), 0, -1) == sorted(
        (fragment[third] + names.booking_reference(booking)).encode() for booking in (one, three)
    )
    assert await redis_client.zcard(shared) == 128
    assert await index.bookings_filed_under_each([[FIRST], [SECOND], [third]]) == [[one], [two], [one, three]]

    # A call with another operation (a booking released: filed again where it is) is given every level.
    sent.clear()
    await index.record([(states[2], states[2].model_copy(update={"released_at": NOW})), (nobody[1], states[1])])
    level_1 = names.booking_index_bucket(digest(FIRST)[:3])
    assert sent == [by_level(*(bucket_names(names, key, 1) for key in (SECOND, third)), order=sent[0])]
    assert await redis_client.exists(level_1) == 0
    assert (
        await redis_client.zscore(
            names.booking_index_bucket(digest(third)[:4]), fragment[third] + names.booking_reference(three)
        )
        == int(NOW.timestamp()) + 3600
    )

    # So is one whose other operation comes after a new filing in the batch.
    sent.clear()
    four = states[1].model_copy(update={"booking_number": "2026-000004"})
    keys_by_number[four.booking_number] = {SECOND}
    await index.record([(nobody[1], four), (states[0], states[0].model_copy(update={"released_at": NOW}))])
    assert sent == [by_level(*(bucket_names(names, key, 1) for key in (SECOND, FIRST, third)), order=sent[0])]
    assert await index.bookings_filed_under([SECOND]) == [two, names.booking(*four.key)]


async def test_a_lookup_of_more_than_a_thousand_buckets_of_a_tag_at_a_level_finds_a_filing_past_the_first_thousand(
    redis_client: Redis, names: RedisNames
) -> None:
    """The script asks whether any bucket of a level exists a thousand names at a time (what one ``unpack`` may
    pass): a level whose only bucket in use comes after the first thousand is read all the same."""
    keys: list[str] = []
    buckets: set[str] = set()
    number = 0
    while len(keys) < 1_200:  # keys of one tag whose level-3 buckets all differ
        key = f"p:JOHN:SMITH:{number}"
        number += 1
        if (prefix := digest(key)[:5]).startswith("ab") and prefix not in buckets:
            keys.append(key)
            buckets.add(prefix)
    last = keys[-1]
    booking = names.booking("CA0194200", "2026-000001")
    filed = {digest(last)[2:8] + names.booking_reference(booking): float("inf")}
    await redis_client.zadd(names.booking_index_bucket(digest(last)[:5]), filed)  # level 3, the only one in use
    index = index_by_number(redis_client, names, {})

    found = await index.bookings_filed_under_each([[key] for key in keys])

    assert found[-1] == [booking]
    assert found[:-1] == [[]] * (len(keys) - 1)
