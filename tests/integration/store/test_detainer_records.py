"""What lodging keeps: each detainer's record and changelog entry exactly as the models write them, whatever the
detainer holds, and the detainer each outcome answers with."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

from redis.asyncio import Redis

from contracts import Detainer, DetainerLodged, DetainerStatus, LodgeDetainer, RedisNames
from store.detainers import DetainerStore, LodgeStatus
from tests import samples

LODGED_AT = datetime(2026, 12, 6, 21, 30, 5, 123456, tzinfo=UTC)


def _request(**overrides: Any) -> LodgeDetainer:
    return LodgeDetainer.model_validate_json(json.dumps(samples.detainer(**overrides)))


REQUESTS = [
    _request(detainer_id="D-1"),
    _request(detainer_id="D-2", lodged_with_ori=None, judicial_warrant={"court": "C.D. Cal.", "reference": "2:26-1"}),
    _request(detainer_id="D-3", field_office="HOU", form="other", issued_at="2026-11-01T10:00:00.250+05:30"),
    _request(
        detainer_id="D-4",
        person=samples.person(last_name="MUÑOZ-ÁLVAREZ O'BRIEN", aliases=[], as_sent={"/a_number": 'A"12\\345 ☃'}),
    ),
    _request(
        detainer_id="D-5", person={"last_name": "KIM", "first_name": "MIN", "date_of_birth": "1995-09-02", "sex": "F"}
    ),
]


def _lodged(request: LodgeDetainer) -> Detainer:
    return Detainer(**dict(request), status=DetainerStatus.ACTIVE, lodged_at=LODGED_AT)


async def test_each_record_and_changelog_entry_is_the_lodged_detainer_as_its_model_writes_it(
    redis_client: Redis, names: RedisNames
) -> None:
    store = DetainerStore(redis_client, names, clock=lambda: LODGED_AT)

    outcomes = await store.lodge_many(REQUESTS)

    assert [o.status for o in outcomes] == [LodgeStatus.CREATED] * len(REQUESTS)
    assert [o.detainer for o in outcomes] == [_lodged(r) for r in REQUESTS]
    for request in REQUESTS:
        record = await redis_client.get(names.detainer(f"{request.field_office}/{request.detainer_id}"))
        assert record == _lodged(request).model_dump_json().encode()
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis_client.xrange(names.detainer_changes))
    assert [fields[b"__data__"] for _, fields in entries] == [
        DetainerLodged(detainer=_lodged(r)).model_dump_json().encode() for r in REQUESTS
    ]


async def test_lodging_again_answers_each_detainer_as_it_was_lodged(redis_client: Redis, names: RedisNames) -> None:
    store = DetainerStore(redis_client, names, clock=lambda: LODGED_AT)
    await store.lodge_many(REQUESTS)
    later = DetainerStore(redis_client, names, clock=lambda: datetime(2026, 12, 7, tzinfo=UTC))

    outcomes = await later.lodge_many([*REQUESTS, _request(detainer_id="D-1", form="I-247N")])

    assert [o.status for o in outcomes] == [LodgeStatus.UNCHANGED] * len(REQUESTS) + [LodgeStatus.CONFLICT]
    assert [o.detainer for o in outcomes] == [*(_lodged(r) for r in REQUESTS), _lodged(REQUESTS[0])]
    assert await store.lodge_many([]) == []
