"""The feed scripts' own answers: a facility's batch counted once, and a hold on its alerts started, decided and
ended once each."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from contracts import RedisNames
from runtime.scripts import Script

NAMES = RedisNames()
JAIL = "CA0194200"
FEED = NAMES.facility_feed(JAIL)
HOUR_MS = 3_600_000


def _record_keys() -> list[str]:
    return [FEED, NAMES.facility_feed_entries(JAIL), NAMES.facility_feed_releases(JAIL)]


async def test_record_feed_answers_nil_for_a_facility_that_never_sent(script: Callable[[str], Script]) -> None:
    assert await script("record_feed")(keys=_record_keys(), args=[10 * HOUR_MS, 7 * 24 * HOUR_MS, HOUR_MS, 0]) is None


async def test_record_feed_counts_a_redelivered_batch_once_and_reads_back_what_judging_needs(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    record = script("record_feed")
    now = 10 * HOUR_MS
    batch = [now, 7 * 24 * HOUR_MS, HOUR_MS, 2, now - 5, "1-0", now - 2 * HOUR_MS, "2-0", now - 5, "1-0"]

    await record(keys=_record_keys(), args=batch)
    counted = await record(keys=_record_keys(), args=batch)  # redelivered

    first, last, in_history, last_day, in_window, before_window, hold, decision, last_decision, health = counted
    assert (first, last) == (now - 2 * HOUR_MS, now - 5)
    assert (in_history, last_day) == (2, 2)
    assert (in_window, before_window) == (1, 0)  # the release "1-0", in the last hour
    assert (hold, decision, last_decision, health) == (None, None, None, None)


async def test_start_feed_hold_answers_1_when_held_now_and_0_when_a_hold_stands(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    hold = script("start_feed_hold")

    assert await hold(keys=[FEED], args=['{"hold": 1}']) == 1
    assert await hold(keys=[FEED], args=['{"hold": 2}']) == 0
    assert await redis_client.hget(FEED, "hold") == b'{"hold": 1}'


async def test_decide_feed_hold_answers_minus_1_without_a_hold_1_once_and_0_after(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    decide = script("decide_feed_hold")

    assert await decide(keys=[FEED], args=['{"action": "deliver"}']) == -1
    await script("start_feed_hold")(keys=[FEED], args=["{}"])
    assert await decide(keys=[FEED], args=['{"action": "deliver"}']) == 1
    assert await decide(keys=[FEED], args=['{"action": "discard"}']) == 0
    assert await redis_client.hget(FEED, "hold_decision") == b'{"action": "deliver"}'


async def test_end_feed_hold_answers_1_and_keeps_the_decision_carried_out_as_the_last_one(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    await script("start_feed_hold")(keys=[FEED], args=["{}"])
    await script("decide_feed_hold")(keys=[FEED], args=['{"action": "deliver"}'])

    assert await script("end_feed_hold")(keys=[FEED], args=['{"action": "deliver"}']) == 1
    assert await redis_client.hmget(FEED, ["hold", "hold_decision", "last_hold_decision"]) == [
        None,
        None,
        b'{"action": "deliver"}',
    ]
