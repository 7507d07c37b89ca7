"""`POST /v1/custody-events:batch`: good events accepted, bad ones reported by index, nothing twice."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers, stream_events

URL = "/v1/custody-events:batch"
NDJSON = "application/x-ndjson"


def small_events(count: int, *, prefix: str = "evt") -> list[dict[str, Any]]:
    return [
        samples.release_cancelled(event_id=f"{prefix}-{number}", booking_number=f"B-{number}")
        for number in range(count)
    ]


def ndjson(*lines: dict[str, Any] | str) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines).encode() + b"\n"


async def post_ndjson(api: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await api.post(URL, content=body, headers={"content-type": NDJSON})


async def test_json_array_accepts_the_valid_events_and_reports_the_invalid_by_index(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    events = small_events(5)
    events[3]["facility_ori"] = "CA01942"

    response = await api.post(URL, json=events)

    assert response.status_code == 202
    result = response.json()
    assert (result["accepted"], result["duplicates"], result["rejected"]) == (4, 0, 1)
    assert [item["index"] for item in result["results"]] == [0, 1, 2, 3, 4]
    assert [item["status"] for item in result["results"]] == ["accepted"] * 3 + ["invalid", "accepted"]
    assert result["results"][3]["errors"] == [
        {"pointer": "#/3/facility_ori", "detail": "must be at least 9 characters long"}
    ]
    published = await stream_events(redis_client, names.custody_events)
    assert [event["event_id"] for event in published] == ["evt-0", "evt-1", "evt-2", "evt-4"]


async def test_accepted_batch_items_carry_the_stream_id_of_their_entry(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api.post(URL, json=small_events(3))

    entries = await redis_client.xrange(names.custody_events)
    assert [item["stream_id"] for item in response.json()["results"]] == [entry_id.decode() for entry_id, _ in entries]
    assert [item["event_id"] for item in response.json()["results"]] == ["evt-0", "evt-1", "evt-2"]


async def test_batch_of_every_event_type_publishes_each_as_sent(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    events = [builder() for builder in samples.EVENT_BUILDERS.values()]

    response = await api.post(URL, json=events)

    assert response.json()["accepted"] == 6
    published = await stream_events(redis_client, names.custody_events)
    assert [event["type"] for event in published] == list(samples.EVENT_BUILDERS)
    assert published[0]["person"]["last_name"] == "GARCIA LOPEZ"


async def test_ndjson_reports_an_invalid_json_line_by_its_line_index_and_keeps_the_others(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    first, second, third = small_events(3)
    body = ndjson(first, '{"event_id": "evt-broken", "type": ', second, "", third)

    response = await post_ndjson(api, body)

    assert response.status_code == 202
    result = response.json()
    assert (result["accepted"], result["rejected"]) == (3, 1)
    by_index = {item["index"]: item for item in result["results"]}
    assert sorted(by_index) == [0, 1, 2, 4]  # line 3 is blank: skipped, but lines keep their numbers
    assert by_index[1]["status"] == "invalid"
    assert pointers(by_index[1]) == ["#/1"]
    assert "is not JSON" in by_index[1]["errors"][0]["detail"]
    assert [by_index[i]["status"] for i in (0, 2, 4)] == ["accepted"] * 3
    assert len(await stream_events(redis_client, names.custody_events)) == 3


async def test_ndjson_field_errors_point_into_the_line(api: httpx.AsyncClient) -> None:
    events = small_events(4)
    events[2]["occurred_at"] = "2026-11-21T12:00:00"

    response = await post_ndjson(api, ndjson(*events))

    result = response.json()
    assert [item["status"] for item in result["results"]] == ["accepted", "accepted", "invalid", "accepted"]
    assert pointers(result["results"][2]) == ["#/2/occurred_at"]


@pytest.mark.parametrize("media_type", ["application/x-ndjson", "application/ndjson", "application/jsonl"])
async def test_ndjson_media_types_are_all_taken(api: httpx.AsyncClient, media_type: str) -> None:
    response = await api.post(URL, content=ndjson(*small_events(2)), headers={"content-type": media_type})

    assert response.status_code == 202
    assert response.json()["accepted"] == 2


async def test_ndjson_with_windows_line_endings_is_taken(api: httpx.AsyncClient) -> None:
    body = b"\r\n".join(json.dumps(event).encode() for event in small_events(3)) + b"\r\n"

    response = await post_ndjson(api, body)

    assert response.status_code == 202
    assert response.json()["accepted"] == 3


async def test_duplicates_within_a_batch_are_reported_and_published_once(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    event = samples.booking()

    response = await api.post(URL, json=[event, samples.release(), event])

    result = response.json()
    assert (result["accepted"], result["duplicates"], result["rejected"]) == (2, 1, 0)
    statuses = [item["status"] for item in result["results"]]
    assert statuses == ["accepted", "accepted", "duplicate"]
    assert result["results"][2]["stream_id"] == result["results"][0]["stream_id"]
    published = await stream_events(redis_client, names.custody_events)
    assert [event["event_id"] for event in published] == ["evt-0001", "evt-0005"]


async def test_duplicate_far_apart_in_a_large_batch_is_still_published_once(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    events = small_events(1200)
    events[1100] = events[5]  # the service publishes in chunks; these two fall in different chunks

    response = await api.post(URL, json=events)

    result = response.json()
    assert (result["accepted"], result["duplicates"]) == (1199, 1)
    assert result["results"][1100]["status"] == "duplicate"
    assert result["results"][1100]["stream_id"] == result["results"][5]["stream_id"]
    assert await redis_client.xlen(names.custody_events) == 1199


async def test_events_accepted_earlier_are_reported_as_duplicates_with_their_first_stream_id(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    earlier = await api.post("/v1/custody-events", json=samples.booking())

    response = await api.post(URL, json=[samples.booking(), samples.release()])

    result = response.json()
    assert [item["status"] for item in result["results"]] == ["duplicate", "accepted"]
    assert result["results"][0]["stream_id"] == earlier.json()["stream_id"]
    assert await redis_client.xlen(names.custody_events) == 2


async def test_batch_of_only_duplicates_is_answered_202(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post(URL, json=small_events(3))

    response = await api.post(URL, json=small_events(3))

    assert response.status_code == 202
    assert (response.json()["accepted"], response.json()["duplicates"]) == (0, 3)
    assert await redis_client.xlen(names.custody_events) == 3


async def test_event_id_reused_with_a_different_body_is_a_conflict_in_the_batch(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post("/v1/custody-events", json=samples.booking())

    response = await api.post(URL, json=[samples.release(), samples.booking(booking_number="2026-999999")])

    result = response.json()
    assert (result["accepted"], result["duplicates"], result["rejected"]) == (1, 0, 1)
    conflict = result["results"][1]
    assert conflict["status"] == "conflict"
    assert conflict["event_id"] == "evt-0001"
    assert "stream_id" not in conflict
    assert conflict["errors"] == [{"pointer": "#/1/event_id", "detail": "already used for a different event"}]
    published = await stream_events(redis_client, names.custody_events)
    assert [(event["event_id"], event["booking_number"]) for event in published] == [
        ("evt-0001", "2026-004512"),
        ("evt-0005", "2026-004512"),
    ]


async def test_batch_of_only_reused_event_ids_is_a_409_conflict_and_publishes_nothing_more(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post("/v1/custody-events", json=samples.booking())

    response = await api.post(URL, json=[samples.booking(booking_number="2026-999999")])

    problem = assert_problem(response, 409, "event-id-conflict")
    assert pointers(problem) == ["#/0/event_id"]
    assert await redis_client.xlen(names.custody_events) == 1


async def test_ndjson_starting_with_a_utf8_byte_order_mark_is_read(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    body = b"\xef\xbb\xbf" + json.dumps(samples.booking()).encode() + b"\n"

    response = await api.post(URL, content=body, headers={"content-type": "application/x-ndjson"})

    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 1
    assert await redis_client.xlen(names.custody_events) == 1


async def test_two_bodies_under_one_event_id_in_one_batch_keep_the_first(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api.post(URL, json=[samples.booking(), samples.booking(booking_number="2026-999999")])

    assert [item["status"] for item in response.json()["results"]] == ["accepted", "conflict"]
    (published,) = await stream_events(redis_client, names.custody_events)
    assert published["booking_number"] == "2026-004512"


@pytest.mark.parametrize("as_ndjson", [False, True], ids=["json-array", "ndjson"])
async def test_more_than_ten_thousand_events_are_refused_whole(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, as_ndjson: bool
) -> None:
    events = small_events(10_001)

    if as_ndjson:
        response = await post_ndjson(api, ndjson(*events))
    else:
        response = await api.post(URL, json=events)

    problem = assert_problem(response, 413, "body-too-large")
    assert "10001" in problem["detail"]
    assert await redis_client.xlen(names.custody_events) == 0


async def test_exactly_ten_thousand_events_are_accepted(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api.post(URL, json=small_events(10_000))

    assert response.status_code == 202
    result = response.json()
    assert (result["accepted"], result["duplicates"], result["rejected"]) == (10_000, 0, 0)
    assert len(result["results"]) == 10_000
    assert await redis_client.xlen(names.custody_events) == 10_000
    last = (await redis_client.xrevrange(names.custody_events, count=1))[0][1]
    assert json.loads(last[b"__data__"])["event_id"] == "evt-9999"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b"[]", "application/json", id="empty-array"),
        pytest.param(b"", NDJSON, id="empty-ndjson"),
        pytest.param(b"\n\n  \n", NDJSON, id="blank-lines-only"),
    ],
)
async def test_empty_batch_is_refused(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, body: bytes, content_type: str
) -> None:
    response = await api.post(URL, content=body, headers={"content-type": content_type})

    problem = assert_problem(response, 400, "malformed-body")
    assert problem["detail"] == "The batch holds no events."
    assert await redis_client.xlen(names.custody_events) == 0


async def test_batch_where_every_event_is_invalid_is_a_problem_listing_each_error(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    events = small_events(3)
    events[0]["facility_ori"] = "CA-194200"
    events[1]["type"] = "arrest"
    events[2]["occurred_at"] = 1795330821

    response = await api.post(URL, json=events)

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == ["#/0/facility_ori", "#/1/type", "#/2/occurred_at"]
    assert problem["detail"] == "None of the 3 events was accepted."
    assert [item["status"] for item in problem["results"]] == ["invalid"] * 3
    assert await redis_client.xlen(names.custody_events) == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "slug"),
    [
        pytest.param(json.dumps(samples.booking()).encode(), "application/json", 400, "malformed-body", id="object"),
        pytest.param(b'[{"event_id": ', "application/json", 400, "malformed-body", id="broken-array"),
        pytest.param(b'[{"event_id": "\xff"}]', "application/json", 400, "malformed-body", id="invalid-utf8"),
        pytest.param(b"[]", "text/csv", 415, "unsupported-media-type", id="csv"),
    ],
)
async def test_batch_body_that_cannot_be_read_is_refused_whole(
    api: httpx.AsyncClient,
    redis_client: Redis,
    names: RedisNames,
    body: bytes,
    content_type: str,
    status: int,
    slug: str,
) -> None:
    response = await api.post(URL, content=body, headers={"content-type": content_type})

    assert_problem(response, status, slug)
    assert await redis_client.xlen(names.custody_events) == 0
    following = await api.post(URL, json=small_events(1))
    assert following.status_code == 202


async def test_batch_that_is_a_single_object_points_at_the_whole_body(api: httpx.AsyncClient) -> None:
    response = await api.post(URL, json=samples.booking())

    problem = assert_problem(response, 400, "malformed-body")
    assert problem["errors"] == [{"pointer": "#", "detail": "must be an array"}]


async def test_batch_over_the_byte_limit_is_refused(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    body = b"[" + b" " * (17 * 1024 * 1024) + b"]"

    response = await api.post(URL, content=body, headers={"content-type": "application/json"})

    assert_problem(response, 413, "body-too-large")
    assert await redis_client.xlen(names.custody_events) == 0


@pytest.mark.parametrize("media_type", ["application/json", NDJSON])
async def test_an_event_larger_than_one_event_may_be_refuses_itself_in_a_batch_as_it_would_alone(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, media_type: str
) -> None:
    large = samples.booking(event_id="evt-large", person=samples.person(middle_name="A" * 300_000))
    events = [samples.release_cancelled(event_id="evt-small"), large]
    body = json.dumps(events).encode() if media_type == "application/json" else ndjson(*events)
    alone = await api.post("/v1/custody-events", json=large)

    response = await api.post(URL, content=body, headers={"content-type": media_type})

    assert_problem(alone, 413, "body-too-large")
    assert response.status_code == 202, response.text
    small, refused = response.json()["results"]
    assert (small["status"], refused["status"]) == ("accepted", "invalid")
    assert [error["pointer"] for error in refused["errors"]] == ["#/1"]
    assert "at most 262144 bytes" in refused["errors"][0]["detail"]
    assert [event["event_id"] for event in await stream_events(redis_client, names.custody_events)] == ["evt-small"]


@pytest.mark.parametrize("media_type", ["application/json", NDJSON])
async def test_an_event_naming_half_a_character_refuses_itself_and_keeps_the_others(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, media_type: str
) -> None:
    good = json.dumps(samples.release_cancelled(event_id="evt-good"))
    half = json.dumps(samples.release_cancelled(event_id="evt-half", x="@")).replace('"@"', '"\\ud800"')
    body = f"[{good},{half}]" if media_type == "application/json" else f"{good}\n{half}\n"

    response = await api.post(URL, content=body.encode(), headers={"content-type": media_type})

    assert response.status_code == 202, response.text
    first, second = response.json()["results"]
    assert (first["status"], second["status"]) == ("accepted", "invalid")
    assert [error["pointer"] for error in second["errors"]] == ["#/1"]
    assert [event["event_id"] for event in await stream_events(redis_client, names.custody_events)] == ["evt-good"]


async def test_ndjson_files_joined_end_to_end_each_with_its_byte_order_mark_are_read_line_by_line(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    bom = b"\xef\xbb\xbf"
    first = bom + json.dumps(samples.release_cancelled(event_id="evt-a")).encode() + b"\r\n"
    second = bom + json.dumps(samples.release_cancelled(event_id="evt-b")).encode() + b"\r\n"  # `cat a.jsonl b.jsonl`

    response = await post_ndjson(api, first + second)

    assert response.status_code == 202, response.text
    assert [item["status"] for item in response.json()["results"]] == ["accepted", "accepted"]
    assert [event["event_id"] for event in await stream_events(redis_client, names.custody_events)] == [
        "evt-a",
        "evt-b",
    ]
