"""`POST /v1/custody-events`: accepted once, durably in the stream, retries answered alike."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames, custody_event_adapter
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers, stream_entries, stream_events

URL = "/v1/custody-events"


def canonical(payload: dict[str, Any]) -> dict[str, Any]:
    """The event as the service stores it: validated, then serialised by the contract."""
    return json.loads(custody_event_adapter.validate_json(json.dumps(payload)).model_dump_json())


async def test_event_is_accepted_with_its_stream_id_and_is_in_the_stream(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    payload = samples.booking()

    response = await api.post(URL, json=payload)

    assert response.status_code == 202
    assert response.headers["content-type"] == "application/json"
    assert "idempotent-replayed" not in response.headers
    body = response.json()
    assert body["event_id"] == payload["event_id"]
    assert body["status"] == "accepted"
    assert datetime.fromisoformat(body["accepted_at"]).utcoffset() is not None
    entries = await stream_entries(redis_client, names.custody_events)
    assert [entry_id for entry_id, _ in entries] == [body["stream_id"]]
    fields = entries[0][1]
    assert json.loads(fields["__data__"]) == canonical(payload)
    assert fields["type"] == "booking"
    assert fields["event_id"] == payload["event_id"]


@pytest.mark.parametrize("event_type", list(samples.EVENT_BUILDERS))
async def test_each_event_type_is_accepted_and_published(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, event_type: str
) -> None:
    payload = samples.EVENT_BUILDERS[event_type]()

    response = await api.post(URL, json=payload)

    assert response.status_code == 202, response.text
    assert await stream_events(redis_client, names.custody_events) == [canonical(payload)]


async def test_all_six_event_types_of_one_stay_are_published_in_order(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    payloads = [builder() for builder in samples.EVENT_BUILDERS.values()]

    statuses = [(await api.post(URL, json=payload)).status_code for payload in payloads]

    assert statuses == [202] * 6
    published = await stream_events(redis_client, names.custody_events)
    assert [event["type"] for event in published] == list(samples.EVENT_BUILDERS)


async def test_same_event_again_is_answered_as_before_and_not_published_twice(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    first = await api.post(URL, json=samples.booking())

    again = await api.post(URL, json=samples.booking())

    assert again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await redis_client.xlen(names.custody_events) == 1


async def test_retry_serialised_differently_is_recognised_as_the_same_event(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    payload = samples.booking(occurred_at="2026-11-20T16:15:00Z")
    first = await api.post(URL, json=payload)
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=2)
    same_time_written_otherwise = reordered.replace("2026-11-20T16:15:00Z", "2026-11-20T16:15:00.000+00:00")

    again = await api.post(URL, content=same_time_written_otherwise, headers={"content-type": "application/json"})

    assert again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await redis_client.xlen(names.custody_events) == 1


async def test_identical_retries_racing_each_other_publish_the_event_once(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    responses = await asyncio.gather(*(api.post(URL, json=samples.booking()) for _ in range(10)))

    assert [response.status_code for response in responses] == [202] * 10
    assert sum("idempotent-replayed" not in response.headers for response in responses) == 1
    assert len({response.text for response in responses}) == 1
    assert await redis_client.xlen(names.custody_events) == 1


async def test_same_event_id_with_different_body_is_refused_and_not_published(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    original = samples.booking()
    await api.post(URL, json=original)

    response = await api.post(URL, json=samples.booking(booking_number="2026-999999"))

    problem = assert_problem(response, 409, "event-id-conflict")
    assert pointers(problem) == ["#/event_id"]
    assert "evt-0001" in problem["detail"]
    assert await stream_events(redis_client, names.custody_events) == [canonical(original)]


async def test_event_id_reused_by_another_event_type_is_a_conflict(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post(URL, json=samples.booking(event_id="evt-shared"))

    response = await api.post(URL, json=samples.release(event_id="evt-shared"))

    assert_problem(response, 409, "event-id-conflict")
    assert await redis_client.xlen(names.custody_events) == 1


async def test_conflict_does_not_disturb_the_original_answer(api: httpx.AsyncClient) -> None:
    first = await api.post(URL, json=samples.booking())
    await api.post(URL, json=samples.booking(booking_number="2026-999999"))

    again = await api.post(URL, json=samples.booking())

    assert again.status_code == 202
    assert again.json() == first.json()


async def test_distinct_events_get_distinct_increasing_stream_ids(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    ids = []
    for number in range(5):
        response = await api.post(URL, json=samples.release_cancelled(event_id=f"evt-{number}"))
        ids.append(response.json()["stream_id"])

    assert len(set(ids)) == 5
    assert [entry_id for entry_id, _ in await stream_entries(redis_client, names.custody_events)] == ids


async def test_receipt_of_an_accepted_event_expires_after_the_configured_time(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post(URL, json=samples.booking())

    ttl = await redis_client.ttl(names.custody_receipt("CA0194200", "evt-0001"))

    assert 29 * 24 * 3600 < ttl <= 30 * 24 * 3600


async def test_content_type_with_a_charset_parameter_is_accepted(api: httpx.AsyncClient) -> None:
    response = await api.post(
        URL,
        content=json.dumps(samples.booking()).encode(),
        headers={"content-type": "application/json; charset=utf-8"},
    )

    assert response.status_code == 202


async def test_names_in_other_scripts_reach_the_stream_unchanged(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    payload = samples.booking(person=samples.person(last_name="Nguyễn", first_name="JOSÉ", middle_name=None))

    response = await api.post(URL, json=payload)

    assert response.status_code == 202
    (published,) = await stream_events(redis_client, names.custody_events)
    assert (published["person"]["last_name"], published["person"]["first_name"]) == ("Nguyễn", "JOSÉ")
