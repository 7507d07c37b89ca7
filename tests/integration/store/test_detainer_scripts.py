"""The detainer scripts' own answers: a detainer lodged once per office and id, and lifted by compare-and-swap,
each with its changelog entry numbered."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from contracts import RedisNames
from runtime.scripts import Script

NAMES = RedisNames()


def _lodge_call(*detainers: tuple[str, str]) -> tuple[list[str], list[str | int]]:
    """One call of the lodge script for each (office, detainer id): the shared keys and arguments, then each
    detainer's, its record ``{"office": OFFICE}``."""
    offices = list(dict.fromkeys(office for office, _ in detainers))
    keys = [NAMES.active_detainers, NAMES.detainer_changes, NAMES.detainer_change_count]
    args: list[str | int] = [1000, '{"lodged": ', "}", len(offices), *offices]
    for office in offices:
        keys += NAMES.listings("detainers", office, "active")
    for office, detainer_id in detainers:
        keys += [
            NAMES.detainer(f"{office}/{detainer_id}"),
            NAMES.detainer(detainer_id),
            NAMES.detainer_offices(detainer_id),
        ]
        args += [detainer_id, office, f'{{"office": "{office}"}}']
    return keys, args


async def test_lodge_detainer_answers_1_when_lodged_and_0_with_the_record_when_the_office_lodged_it_before(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    lodge = script("lodge_detainer")
    keys, args = _lodge_call(("LOS", "D1"))

    ((written, entry_id, ref),) = await lodge(keys=keys, args=args)
    assert (written, ref) == (1, b"LOS/D1")
    assert await lodge(keys=keys, args=args) == [[0, b'{"office": "LOS"}', b"LOS/D1"]]

    ((first, fields),) = await redis_client.xrange(NAMES.detainer_changes)
    assert (first, fields[b"detainer_ref"], fields[b"seq"]) == (entry_id, b"LOS/D1", b"1")
    assert await redis_client.smembers(NAMES.detainer_offices("D1")) == {b"LOS"}


async def test_lodge_detainer_answers_0_with_a_detainer_the_same_office_lodged_when_ids_were_global(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    await redis_client.set(NAMES.detainer("D1"), '{"field_office": "LOS"}')
    keys, args = _lodge_call(("LOS", "D1"))

    assert await script("lodge_detainer")(keys=keys, args=args) == [[0, b'{"field_office": "LOS"}', b"D1"]]


async def test_lodge_detainer_lodges_beside_another_office_s_detainer_of_the_same_id(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    await redis_client.set(NAMES.detainer("D1"), '{"field_office": "NYC"}')  # NYC's, from when ids were global
    keys, args = _lodge_call(("LOS", "D1"))

    assert (await script("lodge_detainer")(keys=keys, args=args))[0][0] == 1
    assert await redis_client.get(NAMES.detainer("D1")) == b'{"field_office": "NYC"}'


async def test_lodge_detainer_takes_many_and_answers_each_in_order_an_id_twice_decided_against_the_first(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    keys, args = _lodge_call(("LOS", "D1"), ("NYC", "D1"), ("LOS", "D1"), ("LOS", "D2"))

    answers = await script("lodge_detainer")(keys=keys, args=args)

    assert [(answer[0], answer[2]) for answer in answers] == [
        (1, b"LOS/D1"),
        (1, b"NYC/D1"),
        (0, b"LOS/D1"),
        (1, b"LOS/D2"),
    ]
    assert answers[2][1] == b'{"office": "LOS"}'
    entries = await redis_client.xrange(NAMES.detainer_changes)
    assert [(fields[b"detainer_ref"], fields[b"seq"]) for _, fields in entries] == [
        (b"LOS/D1", b"1"),
        (b"NYC/D1", b"2"),
        (b"LOS/D2", b"3"),
    ]
    assert await redis_client.smembers(NAMES.detainer_offices("D1")) == {b"LOS", b"NYC"}


async def test_lodge_detainer_writes_each_detainer_where_its_office_s_are_and_its_entry_around_its_record(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    keys, args = _lodge_call(("LOS", "D1"), ("NYC", "D2"), ("LOS", "D3"))

    await script("lodge_detainer")(keys=keys, args=args)

    assert await redis_client.get(NAMES.detainer("NYC/D2")) == b'{"office": "NYC"}'
    assert await redis_client.smembers(NAMES.active_detainers) == {b"LOS/D1", b"NYC/D2", b"LOS/D3"}
    for office, refs in (("LOS", [b"LOS/D1", b"LOS/D3"]), ("NYC", [b"NYC/D2"])):
        for listing in NAMES.listings("detainers", office, "active")[1::2]:  # the office's own two
            assert await redis_client.zrange(listing, 0, -1, withscores=True) == [(ref, 1000.0) for ref in refs]
    for listing in NAMES.listings("detainers", "LOS", "active")[::2]:  # every office's two
        assert await redis_client.zcard(listing) == 3
    entries = await redis_client.xrange(NAMES.detainer_changes)
    assert [(fields[b"__data__"], fields[b"detainer_id"], fields[b"type"]) for _, fields in entries] == [
        (b'{"lodged": {"office": "LOS"}}', b"D1", b"detainer_lodged"),
        (b'{"lodged": {"office": "NYC"}}', b"D2", b"detainer_lodged"),
        (b'{"lodged": {"office": "LOS"}}', b"D3", b"detainer_lodged"),
    ]


def _lift_call(read: str) -> tuple[list[str], list[str | int]]:
    keys = [
        NAMES.detainer("LOS/D1"),
        NAMES.active_detainers,
        NAMES.detainer_changes,
        *NAMES.listings("detainers", "LOS", "active")[2:],
        *NAMES.listings("detainers", "LOS", "lifted")[2:],
        NAMES.detainer_change_count,
    ]
    return keys, ["LOS/D1", read, '{"lifted": true}', 1000, "{}", "D1"]


async def test_lift_detainer_answers_minus_1_when_there_is_no_such_detainer(script: Callable[[str], Script]) -> None:
    keys, args = _lift_call("{}")

    assert await script("lift_detainer")(keys=keys, args=args) == [-1]


async def test_lift_detainer_answers_0_with_the_record_when_it_changed_since_read(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    await redis_client.set(NAMES.detainer("LOS/D1"), '{"changed": true}')
    keys, args = _lift_call("{}")

    assert await script("lift_detainer")(keys=keys, args=args) == [0, b'{"changed": true}']


async def test_lift_detainer_answers_1_with_the_changelog_entry_when_lifted(
    script: Callable[[str], Script], redis_client: Redis
) -> None:
    lodge_keys, lodge_args = _lodge_call(("LOS", "D1"))
    await script("lodge_detainer")(keys=lodge_keys, args=lodge_args)
    keys, args = _lift_call('{"office": "LOS"}')

    written, entry_id = await script("lift_detainer")(keys=keys, args=args)

    assert written == 1
    assert await redis_client.smembers(NAMES.active_detainers) == set()
    assert await redis_client.zrange(NAMES.detainer_listing(status="lifted"), 0, -1) == [b"LOS/D1"]
    (_, (last_id, fields)) = await redis_client.xrange(NAMES.detainer_changes)
    assert (last_id, fields[b"type"], fields[b"seq"]) == (entry_id, b"detainer_lifted", b"2")
