"""The booking scripts' own answers: a state or a review decision saved only over the version read, and a booking
filed under a blocking key for as long as it is kept."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

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


NAMES = RedisNames()
DIGEST = "d9a3" + "0" * 28
BUCKETS = [NAMES.booking_index_bucket(DIGEST[: 2 + level]) for level in range(1, 5)]  # four levels here


def by_level(*buckets_of_keys: list[str]) -> list[str]:
    """KEYS for keys' buckets (each key's, level after level): level-1 buckets first, then level 2 ..."""
    return [name for level in zip(*buckets_of_keys, strict=True) for name in level]


def filing(expiry: str | int, member: str = "d9a30000CA0194200:1", op: str = "f", first: int = 1) -> list[str]:
    """One filing's argument, a group of one: file/unfile/keep and expiry, then the index in KEYS of its key's
    level-1 bucket and the member."""
    return [f"{op} {expiry}\n{first} {member}"]


async def test_file_bookings_files_and_unfiles_under_many_keys_of_one_tag_in_one_call(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    other = NAMES.booking_index_bucket("d9b")  # another key's level-1 bucket, same tag
    keys = by_level(BUCKETS, [other, *(other + str(n) for n in range(3))])
    now = int(time.time())

    filings = [*filing("+inf"), *filing("+inf", "d9b00000CA0194200:1", first=2), *filing(now + 60, "d9b1x", first=2)]
    assert await file(keys=keys, args=[now, 128, 4, 1, 1, *filings]) == 0

    assert await redis_client.zrange(BUCKETS[0], 0, -1) == [b"d9a30000CA0194200:1"]
    assert await redis_client.zrange(other, 0, -1, withscores=True) == [
        (b"d9b1x", now + 60),
        (b"d9b00000CA0194200:1", float("inf")),
    ]
    assert await redis_client.ttl(BUCKETS[0]) == await redis_client.ttl(other) == -1  # in custody: kept for good

    unfilings = [*filing("+inf", op="u"), *filing("+inf", "d9b00000CA0194200:1", "u", first=2)]
    assert await file(keys=keys, args=[now, 128, 4, 1, 1, *unfilings]) == 0
    assert await redis_client.exists(BUCKETS[0]) == 0
    assert 0 < await redis_client.ttl(other) <= 60  # now it expires with its last filing


async def test_file_bookings_sends_a_filing_past_a_full_bucket_and_finds_it_there_when_filed_again(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    await redis_client.zadd(BUCKETS[0], {f"d9a3{n:04d}other": float("inf") for n in range(3)})

    await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing("+inf")])
    assert await redis_client.zcard(BUCKETS[0]) == 3  # full: never past the most it takes
    assert await redis_client.zrange(BUCKETS[1], 0, -1) == [b"d9a30000CA0194200:1"]

    await redis_client.zrem(BUCKETS[0], "d9a30000other")  # room again at level 1
    await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing(now + 500)])  # redelivered, then released

    assert await redis_client.zrange(BUCKETS[1], 0, -1, withscores=True) == [(b"d9a30000CA0194200:1", now + 500)]
    assert await redis_client.zcard(BUCKETS[0]) == 2  # filed once, where it was
    assert 0 < await redis_client.ttl(BUCKETS[1]) <= 500

    await redis_client.zadd(BUCKETS[3], {"d9a30000CA0194200:1": now + 900})  # (the last level takes any number)
    await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing("+inf", op="u")])
    assert await redis_client.exists(BUCKETS[1], BUCKETS[3]) == 0  # unfiled from every level


async def test_file_bookings_never_lets_a_bucket_outgrow_the_compact_encoding_redis_keeps_it_in(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    most = int((await redis_client.config_get("zset-max-listpack-entries"))["zset-max-listpack-entries"])
    await redis_client.zadd(BUCKETS[0], {f"d9a3{n:04d}other": float("inf") for n in range(most)})

    await file(keys=BUCKETS, args=[now, most, 4, 1, 1, *filing("+inf")])  # one more than the bucket takes

    assert await redis_client.zcard(BUCKETS[0]) == most
    assert await redis_client.object("encoding", BUCKETS[0]) == b"listpack"  # a skiplist never turns back
    assert await redis_client.zrange(BUCKETS[1], 0, -1) == [b"d9a30000CA0194200:1"]


async def test_file_bookings_drops_filings_whose_retention_ended_where_room_is_wanted_and_the_sweep_the_rest(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    await redis_client.zadd(BUCKETS[0], {"d9a30000long-gone": now - 500, "d9a30000held": float("inf")})
    await redis_client.zadd(BUCKETS[2], {"d9a30000gone-too": now - 100, "d9a30000later": now + 4000})

    assert await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing("+inf")]) == 0  # room: nothing in its way
    assert await redis_client.zcard(BUCKETS[0]) == 3

    # Full: its expired filing makes room for a new one, which stays at level 1.
    assert await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing("+inf", "d9a30000new", "n")]) == 1
    assert await redis_client.zrange(BUCKETS[0], 0, -1) == [b"d9a30000CA0194200:1", b"d9a30000held", b"d9a30000new"]
    await redis_client.zadd(BUCKETS[0], {"d9a30000long-gone": now - 500})  # (past the most, by hand)
    assert await file(keys=BUCKETS, args=[now, 4, 4, 1, 1, *filing("+inf", "d9a30000newer")]) == 1  # and so for "f"
    assert await redis_client.zscore(BUCKETS[0], "d9a30000newer") == float("inf")
    assert await redis_client.zcard(BUCKETS[2]) == 2  # no filing wanted room there

    other = NAMES.booking_index_bucket("d9b")  # a key with no deeper bucket in use
    keys = by_level(BUCKETS, [other, *(other + str(n) for n in range(3))])
    await redis_client.zadd(other, {"d9b00000gone": now - 5, "d9b00000held": float("inf")})
    assert await file(keys=keys, args=[now, 128, 4, 1, 1, *filing("+inf", "d9b00000x", first=2)]) == 0
    assert await file(keys=keys, args=[now, 3, 4, 1, 1, *filing("+inf", "d9b00000y", first=2)]) == 1
    assert await redis_client.zrange(other, 0, -1) == [b"d9b00000held", b"d9b00000x", b"d9b00000y"]

    assert await file(keys=BUCKETS[1:], args=[now, 128, 4]) == 1  # the sweep: no filings, these buckets
    assert await redis_client.zrange(BUCKETS[2], 0, -1) == [b"d9a30000later"]
    assert 0 < await redis_client.ttl(BUCKETS[2]) <= 4000  # and it goes with its last filing


async def test_file_bookings_keep_never_overrides_a_filing_already_there(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    await file(keys=BUCKETS, args=[now, 128, 4, 1, 1, *filing(now + 60)])

    keeps = [*filing("+inf", op="k"), *filing("+inf", "d9a30000moved", "k")]
    await file(keys=BUCKETS, args=[now, 128, 4, 1, 1, *keeps])

    assert await redis_client.zrange(BUCKETS[0], 0, -1, withscores=True) == [
        (b"d9a30000CA0194200:1", now + 60),
        (b"d9a30000moved", float("inf")),
    ]


async def test_file_bookings_updates_a_filing_in_a_full_bucket_there_and_a_keep_leaves_it(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    await redis_client.zadd(BUCKETS[0], {f"d9a3{n:04d}other": float("inf") for n in range(1, 3)})
    await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing(now + 60)])  # the third: the bucket is full now

    await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing("+inf", op="k")])
    assert await redis_client.zscore(BUCKETS[0], "d9a30000CA0194200:1") == now + 60  # kept as it was
    await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing("+inf")])

    assert await redis_client.zscore(BUCKETS[0], "d9a30000CA0194200:1") == float("inf")  # updated where it is
    assert await redis_client.zcard(BUCKETS[0]) == 3
    assert await redis_client.exists(*BUCKETS[1:]) == 0  # and nowhere else
    assert await redis_client.ttl(BUCKETS[0]) == -1


async def test_file_bookings_finds_a_filing_where_the_same_call_sent_it_past_a_full_bucket(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    await redis_client.zadd(BUCKETS[0], {f"d9a3{n:04d}other": float("inf") for n in range(3)})

    other = NAMES.booking_index_bucket("d9b")  # another key's level-1 bucket, same tag
    keys = by_level(BUCKETS, [other, *(other + str(n) for n in range(3))])

    # Filed past the full bucket, which then has room again: filed again, it stays where it went.
    args = [*filing("+inf"), *filing("+inf", "d9a30000other", "u"), *filing(now + 500)]
    args += filing("+inf", "d9b0x", first=2)  # (another key's)
    await file(keys=keys, args=[now, 3, 4, 1, 1, *args])

    assert await redis_client.zrange(BUCKETS[1], 0, -1, withscores=True) == [(b"d9a30000CA0194200:1", now + 500)]
    assert await redis_client.zcard(BUCKETS[0]) == 2
    assert await redis_client.zrange(other, 0, -1) == [b"d9b0x"]  # (another key's filing, in its own bucket)


async def test_file_bookings_finds_a_filing_in_a_deeper_bucket_of_any_key_of_a_call_however_many(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    # 1,200 keys, each with its buckets at three levels (the level-1 digit turning fastest: none of them full)
    prefixes = [f"d9{n % 16:x}{n // 16 % 16:x}{n // 256:x}" for n in range(1200)]
    keys = [NAMES.booking_index_bucket(prefix[:end]) for end in (3, 4, 5) for prefix in prefixes]  # level by level
    last = prefixes[-1]
    await redis_client.zadd(NAMES.booking_index_bucket(last), {f"{last}000CA0194200:1": now + 60})  # its own

    args = ["f +inf\n" + "\n".join(f"{n} {prefix}000CA0194200:1" for n, prefix in enumerate(prefixes, 1))]
    await file(keys=keys, args=[now, 128, 3, 1, 1, *args])

    assert await redis_client.zrange(NAMES.booking_index_bucket(last), 0, -1, withscores=True) == [
        (f"{last}000CA0194200:1".encode(), float("inf"))
    ]
    assert await redis_client.zscore(NAMES.booking_index_bucket(last[:3]), f"{last}000CA0194200:1") is None
    assert await redis_client.zcard(NAMES.booking_index_bucket(prefixes[0][:3])) == 75  # the others: at level 1


async def test_file_bookings_expires_a_bucket_with_its_last_filing_whatever_one_call_filed_in_it(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    held, released = "d9a30000CA0194200:1", "d9a30000CA0194200:2"

    await file(keys=BUCKETS, args=[now, 128, 4, 1, 1, *filing("+inf", held), *filing(now + 60, released)])
    assert await redis_client.ttl(BUCKETS[0]) == -1  # one held for good: kept for good

    await file(keys=BUCKETS, args=[now, 128, 4, 1, 1, *filing("+inf", held), *filing(now + 90, held)])
    assert 60 < await redis_client.ttl(BUCKETS[0]) <= 90  # held, then released in the same call

    await file(keys=BUCKETS, args=[now, 128, 4, 1, 1, *filing("+inf", released), *filing("+inf", released, "u")])
    assert 60 < await redis_client.ttl(BUCKETS[0]) <= 90  # filed for good, then unfiled in the same call
    assert await redis_client.zrange(BUCKETS[0], 0, -1) == [held.encode()]

    await file(keys=BUCKETS, args=[now, 128, 4, 1, 1, *filing(now + 30, released), *filing("+inf", released, "k")])
    assert await redis_client.zrange(BUCKETS[0], 0, -1, withscores=True) == [
        (released.encode(), now + 30),  # a keep changes nothing
        (held.encode(), now + 90),
    ]
    assert 60 < await redis_client.ttl(BUCKETS[0]) <= 90


async def test_file_bookings_files_a_new_filing_in_the_first_bucket_with_room_and_a_full_one_keeps_its_own(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    await redis_client.zadd(BUCKETS[0], {f"d9a3{n:04d}other": float("inf") for n in range(3)})  # level 1 full
    await redis_client.zadd(BUCKETS[1], {f"d9a3{n:04d}deeper": float("inf") for n in range(3)})  # and level 2
    await redis_client.zadd(BUCKETS[2], {"d9a30000deepest": float("inf")})  # level 3 in use

    await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing("+inf", op="n")])
    assert await redis_client.zrange(BUCKETS[2], 0, -1) == [b"d9a30000CA0194200:1", b"d9a30000deepest"]

    # Filed again as new (a batch filed before its state was saved, then redelivered): where it went.
    await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing(now + 60, op="n"), *filing("+inf", "d9a30001other", "n")])
    assert await redis_client.zscore(BUCKETS[2], "d9a30000CA0194200:1") == now + 60
    assert await redis_client.zscore(BUCKETS[0], "d9a30001other") == float("inf")  # full, holding it: kept there
    assert [await redis_client.zcard(bucket) for bucket in BUCKETS] == [3, 3, 2, 0]

    await redis_client.delete(BUCKETS[0])
    await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing("+inf", "d9a30000new", "n")])
    assert await redis_client.zrange(BUCKETS[0], 0, -1) == [b"d9a30000new"]  # room at level 1: there, not deeper


async def test_file_bookings_files_new_filings_without_asking_for_deeper_buckets(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    other = NAMES.booking_index_bucket("d9b")
    keys = by_level(BUCKETS, [other, *(other + str(n) for n in range(3))])
    await redis_client.zadd(BUCKETS[1], {"d9a30000deeper": float("inf")})
    await redis_client.config_resetstat()

    await file(keys=keys, args=[now, 128, 4, 1, 1, *filing("+inf", op="n"), *filing("+inf", "d9b00000x", "n", first=2)])

    commands = await redis_client.info("commandstats")
    assert "cmdstat_exists" not in commands  # a ZCARD and a ZADD each
    assert "cmdstat_zscore" not in commands
    assert commands["cmdstat_zadd"]["calls"] == 2
    assert await redis_client.zrange(BUCKETS[0], 0, -1) == [b"d9a30000CA0194200:1"]
    assert await redis_client.zrange(other, 0, -1) == [b"d9b00000x"]


async def test_file_bookings_counts_what_one_call_adds_and_removes_so_a_bucket_takes_no_more_than_the_most(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    await redis_client.zadd(BUCKETS[0], {"d9a30000old1": now - 1, "d9a30000old2": now - 1, "d9a30000held": now + 60})
    await redis_client.expireat(BUCKETS[0], now + 60)

    # Room for one once the two filings whose retention ended are dropped, then one more: the third goes deeper.
    new = "n +inf\n1 d9a30000a\n1 d9a30000b\n1 d9a30000c"  # (one argument: a group, a filing a line)
    assert await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, new]) == 2
    assert await redis_client.zrange(BUCKETS[0], 0, -1) == [b"d9a30000held", b"d9a30000a", b"d9a30000b"]
    assert await redis_client.zrange(BUCKETS[1], 0, -1) == [b"d9a30000c"]
    assert await redis_client.ttl(BUCKETS[0]) == -1  # it had an expiry: a filing for good removed it

    # A full bucket takes no more, and an unfiling makes room for the next filing of the same call.
    unfile_then_file = [*filing("+inf", "d9a30000a", "u"), *filing("+inf", "d9a30000d", "n")]
    await file(keys=BUCKETS, args=[now, 3, 4, 1, 1, *filing("+inf", "d9a30000e", "n"), *unfile_then_file])
    assert await redis_client.zrange(BUCKETS[0], 0, -1) == [b"d9a30000held", b"d9a30000b", b"d9a30000d"]
    assert await redis_client.zrange(BUCKETS[1], 0, -1) == [b"d9a30000c", b"d9a30000e"]


async def test_file_bookings_files_from_the_level_it_is_given_and_keeps_maintaining_what_shallower_ones_hold(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    # Level 1 has room and holds filings a former version put there (a booking held, one released).
    await redis_client.zadd(BUCKETS[0], {"d9a30000held": float("inf"), "d9a30000left": now + 60})

    # From level 2: a filing found nowhere (no deeper bucket in use yet) and new ones go there, past level 1's room.
    await file(keys=BUCKETS, args=[now, 3, 4, 2, 1, *filing("+inf", "d9a30000c")])
    await redis_client.config_resetstat()
    new = [*filing("+inf", "d9a30000a", "n"), *filing(now + 30, "d9a30000b", "n")]
    await file(keys=BUCKETS, args=[now, 3, 4, 2, 1, *new])
    assert await redis_client.zrange(BUCKETS[1], 0, -1) == [b"d9a30000b", b"d9a30000a", b"d9a30000c"]
    assert "cmdstat_zscore" not in await redis_client.info("commandstats")  # new filings: nothing looked for

    # What level 1 holds is filed again, kept and unfiled there (never copied deeper); level 2 full: level 3.
    again = [*filing(now + 90, "d9a30000held"), *filing("+inf", "d9a30000left", "k"), *filing("+inf", "d9a30000d")]
    await file(keys=BUCKETS, args=[now, 3, 4, 2, 1, *again])
    assert await redis_client.zrange(BUCKETS[0], 0, -1, withscores=True) == [
        (b"d9a30000left", now + 60),
        (b"d9a30000held", now + 90),
    ]
    assert 60 < await redis_client.ttl(BUCKETS[0]) <= 90
    assert await redis_client.zrange(BUCKETS[2], 0, -1) == [b"d9a30000d"]
    await file(keys=BUCKETS, args=[now, 3, 4, 2, 1, *filing("+inf", "d9a30000held", "u")])
    assert await redis_client.zrange(BUCKETS[0], 0, -1) == [b"d9a30000left"]
    assert [await redis_client.zcard(bucket) for bucket in BUCKETS] == [1, 3, 1, 0]


async def test_file_bookings_given_the_buckets_from_the_first_level_new_filings_go_to_finds_each_keys_own(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    # Three keys of one tag, each with its buckets at levels 2 to 4 only (KEYS from level 2: ARGV[5]).
    prefixes = ["d9a3", "d9b4", "d9c5"]
    buckets = [[NAMES.booking_index_bucket(prefix + "0" * (level - 2)) for level in (2, 3, 4)] for prefix in prefixes]
    await redis_client.zadd(buckets[1][0], {"d9b40000x": float("inf"), "d9b40000held": float("inf")})  # full
    await redis_client.zadd(buckets[2][0], {"d9c50000y": float("inf"), "d9c50000z": float("inf")})  # full
    await redis_client.zadd(buckets[2][1], {"d9c50000w": float("inf"), "d9c50000v": float("inf")})  # full too
    level_1 = NAMES.booking_index_bucket("d9a")  # room there: never used by a new filing
    await redis_client.zadd(level_1, {"d9a30000old": float("inf")})

    new = "n 4000000000\n1 d9a30000a\n2 d9b40000b\n3 d9c50000c\n2 d9b40000held"
    assert await file(keys=by_level(*buckets), args=[now, 2, 4, 2, 2, new]) == 0

    assert await redis_client.zrange(buckets[0][0], 0, -1) == [b"d9a30000a"]  # room at level 2
    assert await redis_client.zrange(buckets[1][1], 0, -1) == [b"d9b40000b"]  # level 2 full: level 3
    assert await redis_client.zrange(buckets[2][2], 0, -1) == [b"d9c50000c"]  # levels 2 and 3 full: level 4
    assert await redis_client.zscore(buckets[1][0], "d9b40000held") == 4000000000  # a full bucket keeps its own
    assert await redis_client.zrange(level_1, 0, -1) == [b"d9a30000old"]
    assert [await redis_client.zcard(bucket) for key in buckets for bucket in key] == [1, 0, 0, 2, 1, 0, 2, 2, 1]
    assert await redis_client.ttl(buckets[1][0]) == -1  # it holds filings for good still
    assert await redis_client.ttl(buckets[0][0]) > 0  # the retention of its one filing


async def test_file_bookings_refuses_a_filing_that_is_not_new_without_every_level_and_changes_nothing(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    new, filed = "n +inf\n1 d9a30000a", "f +inf\n1 d9a30000b"

    with pytest.raises(ResponseError, match="only new filings"):
        await file(keys=BUCKETS[1:], args=[now, 128, 4, 2, 2, new, filed])
    with pytest.raises(ResponseError, match="only new filings"):
        await file(keys=BUCKETS[1:], args=[now, 128, 4, 2, 2, filed])
    with pytest.raises(ResponseError, match="before the first bucket given"):  # (level 3 on: past where they go)
        await file(keys=BUCKETS[2:], args=[now, 128, 4, 2, 3, new])
    assert await redis_client.exists(*BUCKETS) == 0


async def test_file_bookings_files_new_filings_in_the_buckets_of_their_own_key_among_many_given_from_level_2(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    prefixes = [f"d9{n:02x}" for n in range(150)]  # (one, two and three digits: the index in KEYS of each)
    keys = [NAMES.booking_index_bucket(prefix + "0" * deeper) for deeper in (0, 1) for prefix in prefixes]
    # Each key files a new member for good, then the first one again with an expiry (that one bucket expires then).
    new = "n +inf\n" + "\n".join(f"{k} {prefix}0000m" for k, prefix in enumerate(prefixes, 1))

    await file(keys=keys, args=[now, 128, 3, 2, 2, new, f"n {now + 60}\n1 d9000000m"])

    assert [await redis_client.zrange(bucket, 0, -1) for bucket in keys[:150]] == [
        [f"{prefix}0000m".encode()] for prefix in prefixes
    ]
    assert await redis_client.exists(*keys[150:]) == 0
    assert 0 < await redis_client.ttl(keys[0]) <= 60
    assert await redis_client.ttl(keys[1]) == -1


async def test_file_bookings_expires_a_bucket_given_new_filings_with_its_last_whatever_it_held(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    prefixes = ["d9a1", "d9b1", "d9c1", "d9d1"]
    keys = [NAMES.booking_index_bucket(prefix + "0" * deeper) for deeper in (0, 1) for prefix in prefixes]
    later, held, _, refiled = keys[:4]
    await redis_client.zadd(later, {"d9a10000old": now + 500})
    await redis_client.expireat(later, now + 500)
    await redis_client.zadd(held, {"d9b10000held": float("inf")})
    await redis_client.zadd(refiled, {"d9d10000m": now + 900, "d9d10000x": now + 100})
    await redis_client.expireat(refiled, now + 900)

    first = f"n {now + 300}\n3 d9c10000c1"  # the third key's bucket: made by this call
    then = f"n {now + 100}\n1 d9a10000new\n2 d9b10000new\n3 d9c10000c2\n4 d9d10000m"  # (m: filed again, sooner)
    await file(keys=keys, args=[now, 128, 3, 2, 2, first, then])

    assert 400 < await redis_client.ttl(later) <= 500  # an expiry later than the new filing's: kept
    assert await redis_client.ttl(held) == -1  # a filing for good in it: none
    assert 200 < await redis_client.ttl(keys[2]) <= 300  # the latest of its new filings', not the last given
    assert 0 < await redis_client.ttl(refiled) <= 100  # its last filing's expiry came sooner: so does its own
    assert await redis_client.zcard(refiled) == 2


async def test_file_bookings_fills_a_bucket_to_the_most_it_is_given_however_many_digits(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    for most in (9, 12, 128, 1000):
        level_2, level_3 = (NAMES.booking_index_bucket(f"d9{most:x}"[:4] + "0" * deeper) for deeper in (0, 1))
        await redis_client.zadd(level_2, {f"other{n}": float("inf") for n in range(most - 1)})  # room for one

        await file(keys=[level_2, level_3], args=[now, most, 3, 2, 2, "n +inf\n1 d9000000a\n1 d9000000b"])

        assert await redis_client.zcard(level_2) == most
        assert await redis_client.zrange(level_3, 0, -1) == [b"d9000000b"]


async def test_file_bookings_expires_a_bucket_emptied_of_expired_filings_and_filed_in_again_with_its_last(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    file = script("file_bookings")
    now = int(time.time())
    level_1, level_2 = BUCKETS[:2]
    await redis_client.zadd(level_1, {"d9a30000gone1": now - 100, "d9a30000gone2": now - 100})
    await redis_client.zadd(level_2, {"d9a30000held": float("inf")})

    # A new filing fills level 1 (its own retention ended too); a filing found at level 2 makes room at level 1 on
    # the way (every filing there dropped: the bucket goes); then a new one is filed there again.
    groups = [f"n {now - 50}\n1 d9a30000new", "f +inf\n1 d9a30000held", f"n {now + 500}\n1 d9a30000newer"]
    assert await file(keys=BUCKETS[:2], args=[now, 3, 2, 1, 1, *groups]) == 3

    assert await redis_client.zrange(level_1, 0, -1) == [b"d9a30000newer"]
    assert 400 < await redis_client.ttl(level_1) <= 500
