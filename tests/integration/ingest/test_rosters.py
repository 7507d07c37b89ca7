"""`POST /v1/facilities/{ori}/roster`: strict, idempotent on roster_id, in the custody stream before 202."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers, stream_entries
from tests.integration.serving import keys_json, serving

ROSTER_URL = "/v1/facilities/CA0194200/roster"


def roster(**overrides: Any) -> dict[str, Any]:
    return {
        "roster_id": "roster-2026-11-25-0600",
        "as_of": "2026-11-25T06:00:00-08:00",
        "booking_numbers": ["2026-004513", "2026-004514"],
        **overrides,
    }


async def test_an_accepted_roster_is_in_the_custody_stream_with_its_facility_before_the_202(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api.post(ROSTER_URL, json=roster())

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["roster_id"] == "roster-2026-11-25-0600"
    assert body["facility_ori"] == "CA0194200"
    assert body["status"] == "accepted"
    assert body["listed"] == 2
    assert "Idempotent-Replayed" not in response.headers
    ((stream_id, fields),) = await stream_entries(redis_client, names.custody_events)
    assert stream_id == body["stream_id"]
    assert fields["type"] == "roster"
    published = json.loads(fields["__data__"])
    assert published["facility_ori"] == "CA0194200"
    assert published["booking_numbers"] == ["2026-004513", "2026-004514"]
    assert published["as_of"] == "2026-11-25T06:00:00-08:00"


async def test_the_same_roster_sent_three_times_is_published_once_and_answered_the_same(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    answers = [await api.post(ROSTER_URL, json=roster()) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [202, 202, 202]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert [answer.headers.get("Idempotent-Replayed") for answer in answers] == [None, "true", "true"]
    assert len(await stream_entries(redis_client, names.custody_events)) == 1


@pytest.mark.parametrize(
    ("url", "body"),
    [
        pytest.param(ROSTER_URL, roster(booking_numbers=["2026-004513"]), id="other-bookings"),
        pytest.param(ROSTER_URL, roster(as_of="2026-11-25T07:00:00-08:00"), id="other-time"),
    ],
)
async def test_another_roster_under_a_used_roster_id_is_a_409_and_publishes_nothing(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, url: str, body: dict[str, Any]
) -> None:
    await api.post(ROSTER_URL, json=roster())

    response = await api.post(url, json=body)

    problem = assert_problem(response, 409, "roster-id-conflict")
    assert pointers(problem) == ["#/roster_id"]
    assert len(await stream_entries(redis_client, names.custody_events)) == 1


async def test_another_facilitys_roster_under_the_same_roster_id_is_its_own(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post(ROSTER_URL, json=roster())

    response = await api.post("/v1/facilities/CA0190000/roster", json=roster())

    assert response.status_code == 202, response.text
    assert "Idempotent-Replayed" not in response.headers
    assert len(await stream_entries(redis_client, names.custody_events)) == 2


async def test_a_roster_id_and_an_event_id_never_collide(api: httpx.AsyncClient) -> None:
    event = await api.post("/v1/custody-events", json=samples.booking(event_id="shared-id-1"))
    listed = await api.post(ROSTER_URL, json=roster(roster_id="shared-id-1"))

    assert (event.status_code, listed.status_code) == (202, 202)
    assert "Idempotent-Replayed" not in listed.headers


@pytest.mark.parametrize(
    ("body", "expected_pointers"),
    [
        pytest.param(roster(as_of="2026-11-25T06:00:00"), ["#/as_of"], id="as_of-without-offset"),
        pytest.param(roster(as_of=1764079200), ["#/as_of"], id="as_of-epoch"),
        pytest.param(roster(roster_id="bad id!"), ["#/roster_id"], id="roster_id-format"),
        pytest.param(roster(booking_numbers=[]), ["#/booking_numbers"], id="empty"),
        pytest.param(roster(booking_numbers="2026-004513"), ["#/booking_numbers"], id="not-a-list"),
        pytest.param(
            roster(booking_numbers=["2026-004513", "-bad", 7]),
            ["#/booking_numbers/1", "#/booking_numbers/2"],
            id="bad-entries",
        ),
        pytest.param(roster(booking_numbers=[" 2026-004513 "]), ["#/booking_numbers/0"], id="its-one-entry-bad"),
        pytest.param({k: v for k, v in roster().items() if k != "roster_id"}, ["#/roster_id"], id="missing-id"),
        pytest.param(roster(facility_ori="CA0194200"), ["#/facility_ori"], id="unknown-field"),
        pytest.param(roster(booking_numbers=[f"B{n}" for n in range(50_001)]), ["#/booking_numbers"], id="50001"),
    ],
)
async def test_an_invalid_roster_is_a_422_problem_naming_each_bad_field_and_publishes_nothing(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, body: Any, expected_pointers: list[str]
) -> None:
    response = await api.post(ROSTER_URL, json=body)

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == expected_pointers
    assert await stream_entries(redis_client, names.custody_events) == []


@pytest.mark.parametrize(
    ("numbers", "detail"),
    [
        pytest.param([], "must not be empty", id="empty"),
        pytest.param([f"B{n}" for n in range(50_001)], "must have at most 50000 items", id="too-many"),
    ],
)
async def test_a_roster_of_no_or_too_many_bookings_is_refused_in_plain_words(
    api: httpx.AsyncClient, numbers: list[str], detail: str
) -> None:
    response = await api.post(ROSTER_URL, json=roster(booking_numbers=numbers))

    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"] == [{"pointer": "#/booking_numbers", "detail": detail}]


async def test_a_roster_of_50000_bookings_is_accepted(api: httpx.AsyncClient) -> None:
    response = await api.post(ROSTER_URL, json=roster(booking_numbers=[f"2026-{n:06d}" for n in range(50_000)]))

    assert response.status_code == 202, response.text
    assert response.json()["listed"] == 50_000


async def test_a_roster_for_a_malformed_ori_is_a_422_naming_the_path(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/facilities/ca019420/roster", json=roster())

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == ["#/path/ori"]


@pytest.mark.parametrize(
    ("content", "content_type", "status", "slug"),
    [
        pytest.param(b"{not json", "application/json", 400, "malformed-body"),
        pytest.param(b"[]", "application/json", 422, "validation-error"),
        pytest.param(json.dumps(roster()).encode(), "text/plain", 415, "unsupported-media-type"),
    ],
)
async def test_an_unreadable_roster_body_is_a_problem(
    api: httpx.AsyncClient, content: bytes, content_type: str, status: int, slug: str
) -> None:
    response = await api.post(ROSTER_URL, content=content, headers={"Content-Type": content_type})

    assert_problem(response, status, slug)


async def test_a_source_may_not_report_a_release_as_inferred_from_a_roster(api: httpx.AsyncClient) -> None:
    release = await api.post("/v1/custody-events", json=samples.release(release_reason="inferred_from_roster"))
    scheduled = await api.post(
        "/v1/custody-events", json=samples.release_scheduled(release_reason="inferred_from_roster")
    )

    assert pointers(assert_problem(release, 422, "validation-error")) == ["#/release_reason"]
    assert pointers(assert_problem(scheduled, 422, "validation-error")) == ["#/release_reason"]


async def test_the_roster_report_of_a_facility_never_reconciled_is_a_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/ops/rosters/CA0194200")

    assert_problem(response, 404, "not-found")


# --- who may send and read rosters ----------------------------------------------------------------

KEYS = {
    "county_jail": ApiKeyEntry(
        name="county_jail", role=Role.SOURCE, key_sha256=digest_of("rwk_jail"), facilities=("CA0194200",)
    ),
    "los": ApiKeyEntry(name="los", role=Role.FIELD_OFFICE, key_sha256=digest_of("rwk_los"), field_office="LOS"),
    "ops": ApiKeyEntry(name="ops", role=Role.OPERATOR, key_sha256=digest_of("rwk_ops")),
}
BEARER = {"county_jail": "rwk_jail", "los": "rwk_los", "ops": "rwk_ops"}


@pytest.fixture
async def api_with_keys(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(KEYS.values()))
    async with serving(settings) as client:
        yield client


def as_(holder: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {BEARER[holder]}"}


@pytest.mark.parametrize(("holder", "status"), [("county_jail", 202), ("ops", 202), ("los", 403)])
async def test_sources_and_operators_send_rosters_field_offices_do_not(
    api_with_keys: httpx.AsyncClient, holder: str, status: int
) -> None:
    response = await api_with_keys.post(ROSTER_URL, json=roster(), headers=as_(holder))

    assert response.status_code == status, response.text


async def test_a_source_sends_rosters_only_for_its_own_facilities(
    api_with_keys: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api_with_keys.post("/v1/facilities/NV0020000/roster", json=roster(), headers=as_("county_jail"))

    problem = assert_problem(response, 403, "forbidden")
    assert pointers(problem) == ["#/path/ori"]
    assert await stream_entries(redis_client, names.custody_events) == []


@pytest.mark.parametrize(("holder", "status"), [("ops", 404), ("county_jail", 403), ("los", 403)])
async def test_only_operators_read_roster_reports(api_with_keys: httpx.AsyncClient, holder: str, status: int) -> None:
    response = await api_with_keys.get("/v1/ops/rosters/CA0194200", headers=as_(holder))

    assert response.status_code == status, response.text
