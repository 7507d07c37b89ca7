"""The booking scripts' own answers: a state or a review decision saved only over the version read, and a booking
filed under a blocking key for as long as it is kept."""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.asyncio import Redis

from contracts import RedisNames
from runtime.scripts import Script

BOOKING = RedisNames().booking("CA0194200", "2026-004512")


async def test_save_booking_answers_1_over_the_version_read_and_0_once_it_moved_on(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    save = script("save_booking")

    assert await save(keys=[BOOKING], args=["0", "1", '{"s": 1}', ""]) == 1
    assert await save(keys=[BOOKING], args=["0", "1", '{"s": "stale"}', ""]) == 0
    assert await save(keys=[BOOKING], args=["1", "2", '{"s": 2}', "60"]) == 1

    assert await redis_client.hmget(BOOKING, ["version", "state"]) == [b"2", b'{"s": 2}']


async def test_save_booking_keeps_a_booking_in_custody_for_good_and_one_that_left_for_the_retention(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    save = script("save_booking")

    await save(keys=[BOOKING], args=["0", "1", "{}", "600"])  # left: kept ten minutes
    assert 0 < await redis_client.ttl(BOOKING) <= 600
    await save(keys=[BOOKING], args=["1", "2", "{}", ""])  # in custody again
    assert await redis_client.ttl(BOOKING) == -1


async def test_record_review_answers_1_over_the_version_read_and_0_once_it_moved_on(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    review = script("record_review")
    await script("save_booking")(keys=[BOOKING], args=["0", "1", "{}", ""])

    assert await review(keys=[BOOKING], args=["0", "1", "review:LOS/D1", '{"r": 1}', 600]) == 0
    assert await review(keys=[BOOKING], args=["1", "2", "review:LOS/D1", '{"r": 1}', 600]) == 1

    assert await redis_client.hgetall(BOOKING) == {b"version": b"2", b"state": b"{}", b"review:LOS/D1": b'{"r": 1}'}
    assert await redis_client.ttl(BOOKING) == -1  # a booking kept for good stays so


async def test_record_review_keeps_a_hash_it_creates_for_the_retention_only(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    assert await script("record_review")(keys=[BOOKING], args=["0", "1", "review:LOS/D1", "{}", 600]) == 1
    assert 0 < await redis_client.ttl(BOOKING) <= 600


async def test_file_bookings_files_and_unfiles_under_many_keys_of_one_tag_in_one_call(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    first, second = (RedisNames().bookings_by_blocking_key(digest) for digest in ("d9aa", "d9bb"))
    now = int(time.time() * 1000)

    filing = [1, BOOKING, "file", "+inf", 2, BOOKING, "file", "+inf", 2, "other-booking", "file", now + 60_000]
    assert await file(keys=[first, second], args=[now, *filing]) == 2

    assert await redis_client.zrange(first, 0, -1) == [BOOKING.encode()]
    assert await redis_client.zrange(second, 0, -1, withscores=True) == [
        (b"other-booking", now + 60_000),
        (BOOKING.encode(), float("inf")),
    ]
    assert await redis_client.ttl(first) == await redis_client.ttl(second) == -1  # in custody: kept for good

    assert await file(keys=[first, second], args=[now, 1, BOOKING, "unfile", "+inf", 2, BOOKING, "unfile", "+inf"]) == 1
    assert await redis_client.exists(first) == 0
    assert 0 < await redis_client.pttl(second) <= 60_000  # now it expires with its last booking


async def test_file_bookings_drops_bookings_whose_retention_ended(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    key = RedisNames().bookings_by_blocking_key("digest")
    await redis_client.zadd(key, {"long-gone": 500})

    assert await script("file_bookings")(keys=[key], args=[1000, 1, BOOKING, "file", "+inf"]) == 1

    assert await redis_client.zrange(key, 0, -1) == [BOOKING.encode()]


async def test_file_bookings_keep_never_overrides_a_filing_already_there(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    key = RedisNames().bookings_by_blocking_key("digest")
    file = script("file_bookings")
    now = int(time.time() * 1000)
    await file(keys=[key], args=[now, 1, BOOKING, "file", now + 60_000])

    assert await file(keys=[key], args=[now, 1, BOOKING, "keep", "+inf", 1, "moved", "keep", "+inf"]) == 1

    assert await redis_client.zrange(key, 0, -1, withscores=True) == [
        (BOOKING.encode(), now + 60_000),
        (b"moved", float("inf")),
    ]
