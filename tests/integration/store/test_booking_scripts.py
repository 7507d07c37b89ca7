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


async def test_file_booking_answers_1_while_the_key_files_a_booking_and_0_once_it_files_none(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_booking")
    key = RedisNames().bookings_by_blocking_key("digest")
    now = int(time.time() * 1000)

    assert await file(keys=[key], args=[BOOKING, "file", "+inf", now]) == 1
    assert await redis_client.ttl(key) == -1  # a booking in custody: kept for good
    assert await file(keys=[key], args=["other-booking", "file", now + 60_000, now]) == 1
    assert await file(keys=[key], args=[BOOKING, "unfile", "+inf", now]) == 1
    assert 0 < await redis_client.pttl(key) <= 60_000  # now it expires with its last booking
    assert await file(keys=[key], args=["other-booking", "unfile", "+inf", now]) == 0

    assert await redis_client.exists(key) == 0


async def test_file_booking_drops_bookings_whose_retention_ended(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    key = RedisNames().bookings_by_blocking_key("digest")
    await redis_client.zadd(key, {"long-gone": 500})

    assert await script("file_booking")(keys=[key], args=[BOOKING, "file", "+inf", 1000]) == 1

    assert await redis_client.zrange(key, 0, -1) == [BOOKING.encode()]
