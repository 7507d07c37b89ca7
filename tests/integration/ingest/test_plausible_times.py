"""Times a source or an office sends must lie within a window around now: the year 9999 would fail in the
notifier on every delivery, the year 1 would raise alerts dated then."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.settings import IngestSettings
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers
from tests.integration.serving import serving

FAR_FUTURE = "9999-12-31T23:59:59-08:00"
YEAR_ONE = "0001-01-01T00:00:00+00:00"


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@pytest.mark.parametrize(
    ("event", "pointer"),
    [
        pytest.param(samples.booking(occurred_at=FAR_FUTURE), "#/occurred_at", id="occurred-in-year-9999"),
        pytest.param(samples.booking(occurred_at=YEAR_ONE), "#/occurred_at", id="occurred-in-year-1"),
        pytest.param(
            samples.release_scheduled(scheduled_release_at=FAR_FUTURE), "#/scheduled_release_at", id="release-9999"
        ),
        pytest.param(
            samples.release_scheduled(scheduled_release_at=YEAR_ONE), "#/scheduled_release_at", id="release-1"
        ),
    ],
)
async def test_an_implausible_time_is_refused_naming_the_field_and_nothing_is_published(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, event: dict[str, str], pointer: str
) -> None:
    response = await api.post("/v1/custody-events", json=event)

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == [pointer]
    assert "plausible time" in problem["errors"][0]["detail"]
    assert await redis_client.xlen(names.custody_events) == 0


async def test_a_release_scheduled_years_ahead_is_plausible_but_an_event_that_happened_next_week_is_not(
    api: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    years_ahead = samples.release_scheduled(scheduled_release_at=rfc3339(now + timedelta(days=3 * 365)))
    next_week = samples.booking(event_id="evt-0100", occurred_at=rfc3339(now + timedelta(days=7)))

    assert (await api.post("/v1/custody-events", json=years_ahead)).status_code == 202
    assert pointers(assert_problem(await api.post("/v1/custody-events", json=next_week), 422, "validation-error")) == [
        "#/occurred_at"
    ]


async def test_in_a_batch_an_implausible_time_refuses_only_its_event(api: httpx.AsyncClient) -> None:
    batch = [samples.booking(), samples.release_scheduled(scheduled_release_at=FAR_FUTURE)]

    response = await api.post("/v1/custody-events:batch", json=batch)

    results = response.json()["results"]
    assert [result["status"] for result in results] == ["accepted", "invalid"]
    assert pointers(results[1]) == ["#/1/scheduled_release_at"]


async def test_a_roster_and_a_detainer_are_held_to_the_same_window(api: httpx.AsyncClient) -> None:
    roster = {"roster_id": "r-1", "as_of": FAR_FUTURE, "booking_numbers": ["2026-004512"]}

    listed = await api.post("/v1/facilities/CA0194200/roster", json=roster)
    lodged = await api.post("/v1/detainers", json=samples.detainer(issued_at=YEAR_ONE))

    assert pointers(assert_problem(listed, 422, "validation-error")) == ["#/as_of"]
    assert pointers(assert_problem(lodged, 422, "validation-error")) == ["#/issued_at"]


@pytest.fixture
async def narrow_api(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A deployment that takes times from at most ten days ago and releases at most thirty days ahead."""
    settings = IngestSettings(
        redis_url=redis_url, log_format="text", auth="off", plausible_past_days=10, plausible_future_days=30
    )
    async with serving(settings) as client:
        yield client


async def test_the_window_is_configurable(narrow_api: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    recent = samples.booking(occurred_at=rfc3339(now - timedelta(days=9)))
    old = samples.booking(event_id="evt-0100", occurred_at=rfc3339(now - timedelta(days=11)))
    far_release = samples.release_scheduled(scheduled_release_at=rfc3339(now + timedelta(days=31)))

    assert (await narrow_api.post("/v1/custody-events", json=recent)).status_code == 202
    assert (await narrow_api.post("/v1/custody-events", json=old)).status_code == 422
    assert (await narrow_api.post("/v1/custody-events", json=far_release)).status_code == 422
