"""The alert scripts' own answers: creating alerts once (listed or held), releasing and discarding held alerts,
changing an alert by compare-and-swap, recording a delivery."""

from __future__ import annotations

import json
from collections.abc import Callable

from redis.asyncio import Redis

from contracts import RedisNames
from runtime.scripts import Script

STREAM_ENTRY = json.dumps({"type": "alert_raised"})


async def _listed(client: Redis, key: str) -> list[str]:
    return [member.decode() for member in await client.zrange(key, 0, -1)]


def _create_call(names: RedisNames, alert_id: str, *, schedule: bool = False) -> tuple[list[str], list[str | int]]:
    """The keys and args of ``create_alerts.lua`` for one LOS alert raised at 1000 ms in story st_1."""
    keys = [names.alerts_raised, names.alert(alert_id), *names.listings("alerts", "LOS", "open")]
    keys += [names.story("st_1"), names.story_listing(), names.story_listing(field_office="LOS")]
    keys += [
        names.release_listing(release_status="scheduled"),
        names.release_listing(release_status="scheduled", field_office="LOS"),
    ]
    args: list[str | int] = [alert_id, '{"record": 1}', 1000, STREAM_ENTRY, "st_1", "1" if schedule else "0"]
    return keys, args


async def test_create_alerts_answers_1_for_a_new_alert_and_0_for_one_that_exists(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    create = script("create_alerts")
    keys, args = _create_call(names, "al_1", schedule=True)

    assert await create(keys=keys, args=args) == [1]
    assert await create(keys=keys, args=[args[0], '{"record": 2}', *args[2:]]) == [0]

    assert await redis_client.get(names.alert("al_1")) == b'{"record": 1}'
    assert await _listed(redis_client, names.alert_listing(field_office="LOS", status="open")) == ["al_1"]
    assert await _listed(redis_client, names.story("st_1")) == ["al_1"]
    assert await _listed(redis_client, names.story_listing(field_office="LOS")) == ["st_1"]
    assert await _listed(redis_client, names.release_listing(release_status="scheduled")) == ["al_1"]
    assert await redis_client.xlen(names.alerts_raised) == 1


async def test_create_alerts_lists_an_alert_without_a_stream_message_but_announces_nothing(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    create = script("create_alerts")
    keys, args = _create_call(names, "al_1", schedule=True)
    args[3] = ""  # created closed: a release schedule that no longer stood

    assert await create(keys=keys, args=args) == [1]
    assert await create(keys=keys, args=args) == [0]

    assert await _listed(redis_client, names.alert_listing(field_office="LOS", status="open")) == ["al_1"]
    assert await _listed(redis_client, names.story("st_1")) == ["al_1"]
    assert await _listed(redis_client, names.release_listing(release_status="scheduled")) == ["al_1"]
    assert await redis_client.exists(names.alerts_raised) == 0


async def test_create_held_alerts_keeps_the_record_and_the_hold_only(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    hold = script("create_held_alerts")
    keys = [names.alert("al_1"), names.held_alerts("CA0194200")]

    assert await hold(keys=keys, args=["al_1", '{"record": 1}', 1000]) == [1]
    assert await hold(keys=keys, args=["al_1", '{"record": 2}', 1000]) == [0]

    assert await redis_client.get(names.alert("al_1")) == b'{"record": 1}'
    assert await _listed(redis_client, names.held_alerts("CA0194200")) == ["al_1"]
    assert await _listed(redis_client, names.alert_listing()) == []
    assert await redis_client.exists(names.alerts_raised) == 0


async def test_release_held_alerts_answers_1_for_an_alert_still_held_and_0_for_one_that_is_not(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    held = names.held_alerts("CA0194200")
    await redis_client.zadd(held, {"al_1": 1000})
    release = script("release_held_alerts")
    keys, args = [names.alerts_raised, held, names.alerts_leaving_hold], []
    for alert_id in ("al_1", "al_2"):  # al_2 was never held
        keys += [*names.listings("alerts", "LOS", "open"), names.story("st_1")]
        keys += [names.story_listing(), names.story_listing(field_office="LOS")]
        keys += [
            names.release_listing(release_status="scheduled"),
            names.release_listing(release_status="scheduled", field_office="LOS"),
        ]
        args += [alert_id, 1000, STREAM_ENTRY, "st_1", "0"]

    assert await release(keys=keys, args=args) == [1, 0]

    assert await _listed(redis_client, held) == []
    assert await _listed(redis_client, names.alert_listing()) == ["al_1"]
    assert await _listed(redis_client, names.alerts_leaving_hold) == ["al_1"]
    assert await redis_client.xlen(names.alerts_raised) == 1


async def test_release_held_alerts_lists_an_alert_without_a_stream_message_but_announces_nothing(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    held = names.held_alerts("CA0194200")
    await redis_client.zadd(held, {"al_1": 1000})
    keys = [names.alerts_raised, held, names.alerts_leaving_hold, *names.listings("alerts", "LOS", "resolved")]
    keys += [names.story("st_1"), names.story_listing(), names.story_listing(field_office="LOS")]
    keys += [
        names.release_listing(release_status="cancelled"),
        names.release_listing(release_status="cancelled", field_office="LOS"),
    ]

    assert await script("release_held_alerts")(keys=keys, args=["al_1", 1000, "", "st_1", "1"]) == [1]

    assert await _listed(redis_client, names.alert_listing(field_office="LOS", status="resolved")) == ["al_1"]
    assert await _listed(redis_client, names.release_listing(release_status="cancelled")) == ["al_1"]
    assert await _listed(redis_client, names.story("st_1")) == ["al_1"]
    assert await redis_client.exists(names.alerts_raised) == 0


async def test_discard_held_alerts_answers_how_many_it_moved(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    held, discarded = names.held_alerts("CA0194200"), names.discarded_alerts("CA0194200")
    await redis_client.zadd(held, {"al_1": 1000, "al_2": 2000})
    discard = script("discard_held_alerts")

    assert await discard(keys=[held, discarded], args=["al_1", "al_2", "al_3"]) == 2
    assert await discard(keys=[held, discarded], args=["al_1"]) == 0

    assert await redis_client.zrange(discarded, 0, -1, withscores=True) == [(b"al_1", 1000.0), (b"al_2", 2000.0)]


def _update_call(
    names: RedisNames, *, read: str, holds: bool = False, jobs: tuple[str, ...] = ()
) -> tuple[list[str], list[str | int]]:
    """``update_alert.lua``: al_1 of LOS acknowledged, announced on the alert stream."""
    keys = [
        names.alert("al_1"),
        *names.listings("alerts", "LOS", "open")[2:],
        *names.listings("alerts", "LOS", "acknowledged")[2:],
        names.alerts_raised,
    ]
    if jobs:
        keys += [names.alert_schedule, names.alert_jobs]
    keys += [names.held_alerts("CA0194200"), names.discarded_alerts("CA0194200")]
    args: list[str | int] = ["al_1", read, '{"v": 2}', 1000, 2, 2, 1, 2, len(jobs), "{}", "alert_acknowledged", *jobs]
    return keys, args


async def test_update_alert_answers_minus_1_when_the_record_is_missing(
    script: Callable[[str], Script], names: RedisNames
) -> None:
    keys, args = _update_call(names, read='{"v": 1}')

    assert await script("update_alert")(keys=keys, args=args) == [-1]


async def test_update_alert_answers_0_and_writes_nothing_when_the_record_changed_since_read(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    await redis_client.set(names.alert("al_1"), '{"v": "changed"}')
    keys, args = _update_call(names, read='{"v": 1}')

    assert await script("update_alert")(keys=keys, args=args) == [0]
    assert await redis_client.get(names.alert("al_1")) == b'{"v": "changed"}'
    assert await redis_client.exists(names.alerts_raised) == 0


async def test_update_alert_answers_1_and_the_entry_when_written_with_its_moves_and_withdrawn_jobs(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    await redis_client.set(names.alert("al_1"), '{"v": 1}')
    await redis_client.zadd(names.alert_listing(status="open"), {"al_1": 1000})
    await redis_client.zadd(names.alert_schedule, {"al_1|escalation|1": 5000})
    await redis_client.hset(names.alert_jobs, "al_1|escalation|1", "{}")
    keys, args = _update_call(names, read='{"v": 1}', jobs=("al_1|escalation|1",))

    written, entry_id = await script("update_alert")(keys=keys, args=args)

    assert written == 1
    assert (await redis_client.xrange(names.alerts_raised))[0][0] == entry_id
    assert await redis_client.get(names.alert("al_1")) == b'{"v": 2}'
    assert await _listed(redis_client, names.alert_listing(status="open")) == []
    assert await _listed(redis_client, names.alert_listing(status="acknowledged")) == ["al_1"]
    assert await redis_client.zcard(names.alert_schedule) == 0
    assert await redis_client.hlen(names.alert_jobs) == 0


async def test_update_alert_changes_a_held_alert_on_its_record_alone(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    await redis_client.set(names.alert("al_1"), '{"v": 1}')
    await redis_client.zadd(names.held_alerts("CA0194200"), {"al_1": 1000})
    keys, args = _update_call(names, read='{"v": 1}')

    assert await script("update_alert")(keys=keys, args=args) == [1, None]
    assert await redis_client.get(names.alert("al_1")) == b'{"v": 2}'
    assert await _listed(redis_client, names.alert_listing(status="acknowledged")) == []
    assert await redis_client.exists(names.alerts_raised) == 0


async def test_record_delivery_answers_1_once_then_2_and_0_when_the_alert_changed(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    record = script("record_delivery")
    entry_id = await redis_client.xadd(names.alerts_raised, {"__data__": "{}"})
    entry_ms = int(entry_id.decode().split("-")[0])
    await redis_client.set(names.alert("al_1"), '{"v": 1}')
    keys = [names.alert("al_1"), names.alerts_delivered, names.alerts_raised]

    assert await record(keys=keys, args=[entry_id, entry_ms, '{"v": "stale"}', '{"v": 2}']) == 0
    assert await record(keys=keys, args=[entry_id, entry_ms, '{"v": 1}', '{"v": 2}']) == 1
    assert await record(keys=keys, args=[entry_id, entry_ms, '{"v": 2}', '{"v": 3}']) == 2

    assert await redis_client.get(names.alert("al_1")) == b'{"v": 2}'
    assert await _listed(redis_client, names.alerts_delivered) == [entry_id.decode()]


async def test_record_delivery_answers_minus_1_for_an_alert_without_a_record_and_marks_the_entry(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    entry_id = (await redis_client.xadd(names.alerts_raised, {"__data__": "{}"})).decode()
    keys = [names.alert("al_gone"), names.alerts_emailed, names.alerts_raised]

    assert await script("record_delivery")(keys=keys, args=[entry_id, entry_id.split("-")[0], "", '{"v": 1}']) == -1
    assert await _listed(redis_client, names.alerts_emailed) == [entry_id]
    assert await redis_client.exists(names.alert("al_gone")) == 0


async def test_record_delivery_forgets_marks_of_entries_trimmed_from_the_stream(
    script: Callable[[str], Script], redis_client: Redis, names: RedisNames
) -> None:
    await redis_client.zadd(names.alerts_delivered, {"1-0": 1})  # an entry long trimmed
    entry_id = (await redis_client.xadd(names.alerts_raised, {"__data__": "{}"})).decode()
    keys = [names.alert("al_1"), names.alerts_delivered, names.alerts_raised]

    await script("record_delivery")(keys=keys, args=[entry_id, entry_id.split("-")[0], "", ""])

    assert await _listed(redis_client, names.alerts_delivered) == [entry_id]
