"""When the notifiers fall behind, sources are asked to come back later, and nothing accepted is lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from contracts import NOTIFIER_GROUP, RedisNames
from ingest.settings import IngestSettings
from tests import samples
from tests.integration.ingest.support import assert_problem
from tests.integration.serving import serving

LIMIT = 3


@pytest.fixture
async def small_ingest(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = IngestSettings(
        redis_url=redis_url,
        auth="off",
        log_format="text",
        max_backlog=LIMIT,
        backlog_refresh_seconds=0,  # /readyz measures on every request, for the test
        retry_after_seconds=7,
    )
    async with serving(settings) as client:
        yield client


def event(number: int) -> dict[str, object]:
    return samples.booking(event_id=f"evt-{number}", booking_number=f"B-{number}")


async def fill_backlog(api: httpx.AsyncClient) -> None:
    for number in range(LIMIT):
        assert (await api.post("/v1/custody-events", json=event(number))).status_code == 202


async def test_over_the_backlog_limit_a_new_event_is_a_503_with_retry_after_and_is_not_published(
    small_ingest: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await fill_backlog(small_ingest)

    response = await small_ingest.post("/v1/custody-events", json=event(99))

    problem = assert_problem(response, 503, "backlog-full")
    assert response.headers["Retry-After"] == "7"
    assert f"limit {LIMIT}" in problem["detail"]
    assert await redis_client.xlen(names.custody_events) == LIMIT


async def test_over_the_backlog_limit_a_batch_is_refused_whole(
    small_ingest: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await fill_backlog(small_ingest)

    response = await small_ingest.post("/v1/custody-events:batch", json=[event(100), event(101)])

    assert_problem(response, 503, "backlog-full")
    assert await redis_client.xlen(names.custody_events) == LIMIT


@pytest.fixture
async def ingest_of_ten(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = IngestSettings(redis_url=redis_url, auth="off", log_format="text", max_backlog=10, retry_after_seconds=7)
    async with serving(settings) as client:
        yield client


async def test_one_sources_bulk_load_leaves_room_for_another_sources_events_as_they_happen(
    ingest_of_ten: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    # A state's first import fills what a batch may (8 of the 10), and is then asked to come back later; a jail
    # elsewhere still gets its release notice and its roster in.
    bulk = [event(number) for number in range(8)]
    assert (await ingest_of_ten.post("/v1/custody-events:batch", json=bulk)).status_code == 202
    more = await ingest_of_ten.post("/v1/custody-events:batch", json=[event(8)])
    assert_problem(more, 503, "backlog-full")

    elsewhere = {"facility_ori": "TX0010000", "booking_number": "T-1"}
    notice = await ingest_of_ten.post("/v1/custody-events", json=samples.release_scheduled(**elsewhere))
    roster = {"roster_id": "r-1", "as_of": "2026-11-25T06:00:00-08:00", "booking_numbers": ["T-1"]}
    listed = await ingest_of_ten.post("/v1/facilities/TX0010000/roster", json=roster)

    assert (notice.status_code, listed.status_code) == (202, 202)
    assert await redis_client.xlen(names.custody_events) == 10
    # Past the whole limit, everyone waits: the backlog protects Redis as before.
    last = await ingest_of_ten.post("/v1/custody-events", json=samples.release(**elsewhere))
    assert_problem(last, 503, "backlog-full")


async def test_a_bad_event_is_still_told_what_is_wrong_when_the_backlog_is_full(
    small_ingest: httpx.AsyncClient,
) -> None:
    await fill_backlog(small_ingest)

    response = await small_ingest.post("/v1/custody-events", json={**event(99), "facility_ori": "nope"})

    assert_problem(response, 422, "validation-error")


async def test_once_the_notifiers_catch_up_events_are_accepted_again_and_readyz_says_how_far_behind(
    small_ingest: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await fill_backlog(small_ingest)
    assert (await small_ingest.get("/readyz")).json()["backlog"] == LIMIT

    # A notifier reads and acknowledges everything.
    await redis_client.xgroup_create(names.custody_events, NOTIFIER_GROUP, id="0")
    reply = await redis_client.xreadgroup(NOTIFIER_GROUP, "n1", {names.custody_events: ">"})
    await redis_client.xack(names.custody_events, NOTIFIER_GROUP, *[entry_id for entry_id, _ in reply[0][1]])

    assert (await small_ingest.get("/readyz")).json()["backlog"] == 0
    assert (await small_ingest.post("/v1/custody-events", json=event(99))).status_code == 202


@pytest.fixture
async def ingest_limited_to_100(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = IngestSettings(redis_url=redis_url, auth="off", log_format="text", max_backlog=100)
    async with serving(settings) as client:
        yield client


async def test_concurrent_batches_never_take_the_backlog_over_its_limit(
    ingest_limited_to_100: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    batches = [[event(batch * 100 + number) for number in range(30)] for batch in range(8)]

    answers = await asyncio.gather(
        *(ingest_limited_to_100.post("/v1/custody-events:batch", json=batch) for batch in batches)
    )

    assert sorted(answer.status_code for answer in answers) == [202, 202, 503, 503, 503, 503, 503, 503]
    # Two whole batches: a third would pass the 80 of the 100 that batches may fill.
    assert await redis_client.xlen(names.custody_events) == 60
