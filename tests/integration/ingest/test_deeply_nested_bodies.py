"""Bodies whose arrays and objects nest deeper than any record does: refused where they stand (the body, the
batch item, the NDJSON line), never a server error, and never accepted for a notifier that cannot read it."""

from __future__ import annotations

import json

import httpx
from redis.asyncio import Redis

from contracts import RedisNames
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers, stream_events

NDJSON = "application/x-ndjson"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def with_value(document: dict[str, object], placeholder: str, value: str) -> str:
    """``document`` as JSON text with the string ``placeholder`` replaced by the JSON text ``value``."""
    return json.dumps(document).replace(json.dumps(placeholder), value)


async def post_text(
    api: httpx.AsyncClient, url: str, text: str, content_type: str = "application/json"
) -> httpx.Response:
    return await api.post(url, content=text.encode(), headers={"content-type": content_type})


async def test_an_event_nested_deeper_than_json_can_be_read_is_a_400_problem_not_a_server_error(
    api: httpx.AsyncClient,
) -> None:
    body = with_value(samples.release(extra="@"), "@", nested(5000))

    response = await post_text(api, "/v1/custody-events", body)

    assert_problem(response, 400, "malformed-body")


async def test_an_identifier_nested_as_deep_as_a_notifier_cannot_read_is_refused_at_intake(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    body = with_value(samples.booking(person=samples.person(a_number="@")), "@", nested(199))

    response = await post_text(api, "/v1/custody-events", body)

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == ["#/person/a_number"]
    assert await redis_client.xlen(names.custody_events) == 0


async def test_a_deeply_nested_ndjson_line_refuses_only_itself(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    body = json.dumps(samples.release(event_id="evt-good")) + "\n" + nested(5000) + "\n"

    response = await post_text(api, "/v1/custody-events:batch", body, NDJSON)

    assert response.status_code == 202, response.text
    statuses = [(item["index"], item["status"]) for item in response.json()["results"]]
    assert statuses == [(0, "accepted"), (1, "invalid")]
    assert [event["event_id"] for event in await stream_events(redis_client, names.custody_events)] == ["evt-good"]


async def test_a_deeply_nested_array_item_refuses_only_itself_naming_the_field(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    good = json.dumps(samples.release(event_id="evt-good"))
    deep = with_value(samples.release(event_id="evt-deep", vendor_notes="@"), "@", nested(300))

    response = await post_text(api, "/v1/custody-events:batch", f"[{good},{deep}]")

    assert response.status_code == 202, response.text
    first, second = response.json()["results"]
    assert first["status"] == "accepted"
    assert (second["status"], [error["pointer"] for error in second["errors"]]) == ("invalid", ["#/1/vendor_notes"])
    assert [event["event_id"] for event in await stream_events(redis_client, names.custody_events)] == ["evt-good"]


async def test_a_deeply_nested_detainer_in_a_batch_refuses_only_itself(api: httpx.AsyncClient) -> None:
    good = json.dumps(samples.detainer(detainer_id="LOS-2026-000001"))
    deep = with_value(
        samples.detainer(detainer_id="LOS-2026-000002", person=samples.person(a_number="@")), "@", nested(300)
    )

    response = await post_text(api, "/v1/detainers:batch", f"[{good},{deep}]")

    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first["status"] == "created"
    assert (second["status"], [error["pointer"] for error in second["errors"]]) == ("invalid", ["#/1/person/a_number"])
