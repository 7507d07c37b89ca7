"""The job scripts' own answers: an alert's jobs planned once, and each due job run once."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from contracts import RedisNames
from runtime.scripts import Script

JOB = "al_1|escalation|1"


def _fire_keys(names: RedisNames) -> list[str]:
    return [names.alert_schedule, names.alert_jobs, names.alert("al_1"), names.alerts_raised]


async def _planned(client: Redis, names: RedisNames) -> None:
    await client.zadd(names.alert_schedule, {JOB: 1000})
    await client.hset(names.alert_jobs, JOB, "{}")


async def test_plan_jobs_answers_1_the_first_time_and_0_after(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    plan = script("plan_jobs")
    keys = [names.alert_schedule, names.alert_jobs, names.alert_jobs_planned("al_1")]

    assert await plan(keys=keys, args=[3600, 1, JOB, 1000, "{}"]) == [1]
    await redis_client.zrem(names.alert_schedule, JOB)  # it ran
    assert await plan(keys=keys, args=[3600, 1, JOB, 1000, "{}"]) == [0]

    assert await redis_client.zcard(names.alert_schedule) == 0  # a job that ran is never planned again
    assert 0 < await redis_client.ttl(names.alert_jobs_planned("al_1")) <= 3600


async def test_plan_jobs_plans_each_alert_of_a_call_once_whatever_the_others(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    plan = script("plan_jobs")
    keys = [names.alert_schedule, names.alert_jobs] + [names.alert_jobs_planned(a) for a in ("al_1", "al_2", "al_3")]
    first = [3600, 1, JOB, 1000, '{"a":1}']
    second = [7200, 3, "al_2|reminder|1", 2000, '{"b":1}', "al_2|reminder|2", 3000, '{"b":2}', "al_2|escalation|1"]
    second += [4000, '{"b":3}']
    third = [60, 2, "al_3|escalation|1", 5000, '{"c":1}', "al_3|escalation|2", 6000, '{"c":2}']
    assert await plan(keys=keys[:3], args=first) == [1]  # al_1 planned before

    assert await plan(keys=keys, args=[*first, *second, *third]) == [0, 1, 1]

    assert await redis_client.zrange(names.alert_schedule, 0, -1, withscores=True) == [
        (JOB.encode(), 1000),
        (b"al_2|reminder|1", 2000),
        (b"al_2|reminder|2", 3000),
        (b"al_2|escalation|1", 4000),
        (b"al_3|escalation|1", 5000),
        (b"al_3|escalation|2", 6000),
    ]
    assert await redis_client.hgetall(names.alert_jobs) == {
        JOB.encode(): b'{"a":1}',
        b"al_2|reminder|1": b'{"b":1}',
        b"al_2|reminder|2": b'{"b":2}',
        b"al_2|escalation|1": b'{"b":3}',
        b"al_3|escalation|1": b'{"c":1}',
        b"al_3|escalation|2": b'{"c":2}',
    }
    assert 3600 < await redis_client.ttl(names.alert_jobs_planned("al_2")) <= 7200
    assert 0 < await redis_client.ttl(names.alert_jobs_planned("al_3")) <= 60
    await redis_client.zrem(names.alert_schedule, "al_3|escalation|1")  # it ran
    assert await plan(keys=keys, args=[*first, *second, *third]) == [0, 0, 0]
    assert await redis_client.zcard(names.alert_schedule) == 5


async def test_fire_job_answers_0_for_a_job_that_is_no_longer_scheduled(
    script: Callable[[str], Script], names: RedisNames
) -> None:
    assert (
        await script("fire_job")(keys=_fire_keys(names), args=[JOB, "", '{"v": 2}', "{}", "alert_escalated", "al_1"])
        == 0
    )


async def test_fire_job_answers_2_when_it_drops_a_job_no_longer_called_for(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    await _planned(redis_client, names)

    assert await script("fire_job")(keys=_fire_keys(names), args=[JOB, "", "", "", "", "al_1"]) == 2
    assert (await redis_client.zcard(names.alert_schedule), await redis_client.hlen(names.alert_jobs)) == (0, 0)
    assert await redis_client.exists(names.alerts_raised) == 0


async def test_fire_job_answers_minus_1_and_keeps_the_job_when_the_alert_changed_since_read(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    await _planned(redis_client, names)
    await redis_client.set(names.alert("al_1"), '{"v": "acknowledged meanwhile"}')
    args = [JOB, '{"v": 1}', '{"v": 2}', "{}", "alert_escalated", "al_1"]

    assert await script("fire_job")(keys=_fire_keys(names), args=args) == -1
    assert await redis_client.zcard(names.alert_schedule) == 1
    assert await redis_client.get(names.alert("al_1")) == b'{"v": "acknowledged meanwhile"}'


async def test_fire_job_answers_1_when_it_ran_the_job_updating_the_alert_and_announcing_it(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    await _planned(redis_client, names)
    await redis_client.set(names.alert("al_1"), '{"v": 1}')
    args = [JOB, '{"v": 1}', '{"v": 2}', '{"n": 1}', "alert_escalated", "al_1"]

    assert await script("fire_job")(keys=_fire_keys(names), args=args) == 1
    assert await script("fire_job")(keys=_fire_keys(names), args=args) == 0  # another notifier, too late

    assert await redis_client.get(names.alert("al_1")) == b'{"v": 2}'
    ((_, fields),) = await redis_client.xrange(names.alerts_raised)
    assert fields == {b"__data__": b'{"n": 1}', b"type": b"alert_escalated", b"alert_id": b"al_1"}
