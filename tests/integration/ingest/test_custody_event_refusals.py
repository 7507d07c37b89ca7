"""`POST /v1/custody-events` with bad input: a problem naming the field, nothing published, still serving."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers

URL = "/v1/custody-events"
JSON = "application/json"
MIB = 1024 * 1024


def _json(payload: object) -> bytes:
    return json.dumps(payload).encode()


def _twenty_megabytes() -> bytes:
    event = samples.booking()
    event["charges"] = [samples.charge(description="x" * 500)] * (20 * MIB // 500)
    return _json(event)


@dataclass(frozen=True)
class BadRequest:
    body: Callable[[], bytes]
    status: int
    slug: str
    pointers: list[str] = field(default_factory=list)
    content_type: str | None = JSON


BAD_REQUESTS = [
    pytest.param(BadRequest(lambda: b'{"event_id": "evt-0001", "type": ', 400, "malformed-body"), id="malformed-json"),
    pytest.param(BadRequest(lambda: b"", 400, "malformed-body"), id="empty-body"),
    pytest.param(
        BadRequest(lambda: b'{"event_id": "evt-\xff\xfe", "type": "booking"}', 400, "malformed-body"),
        id="invalid-utf8",
    ),
    pytest.param(BadRequest(_twenty_megabytes, 413, "body-too-large"), id="20-MB-body"),
    pytest.param(
        BadRequest(lambda: _json(samples.booking()), 415, "unsupported-media-type", content_type="text/plain"),
        id="text-plain",
    ),
    pytest.param(
        BadRequest(
            lambda: _json(samples.booking()), 415, "unsupported-media-type", content_type="application/x-ndjson"
        ),
        id="ndjson-to-single-endpoint",
    ),
    pytest.param(
        BadRequest(lambda: _json(samples.booking()), 415, "unsupported-media-type", content_type=None),
        id="no-content-type",
    ),
    pytest.param(
        BadRequest(lambda: _json(samples.booking(type="arrest")), 422, "validation-error", ["#/type"]),
        id="unknown-type",
    ),
    pytest.param(
        BadRequest(
            lambda: _json({k: v for k, v in samples.booking().items() if k != "type"}),
            422,
            "validation-error",
            ["#/type"],
        ),
        id="no-type",
    ),
    pytest.param(
        BadRequest(
            lambda: _json(samples.booking(facility_ori="CA019420")), 422, "validation-error", ["#/facility_ori"]
        ),
        id="short-ori",
    ),
    pytest.param(
        BadRequest(
            lambda: _json(samples.booking(facility_ori="ZZ0194200")), 422, "validation-error", ["#/facility_ori"]
        ),
        id="ori-of-no-state",
    ),
    pytest.param(
        BadRequest(
            lambda: _json(samples.booking(occurred_at="2026-11-20T08:15:00")),
            422,
            "validation-error",
            ["#/occurred_at"],
        ),
        id="time-without-offset",
    ),
    pytest.param(
        BadRequest(lambda: _json(samples.booking(booking_number=123)), 422, "validation-error", ["#/booking_number"]),
        id="number-for-string",
    ),
    pytest.param(BadRequest(lambda: _json([samples.booking()]), 422, "validation-error", ["#"]), id="array"),
    pytest.param(
        BadRequest(
            lambda: _json(samples.booking(person=samples.person(sex="Q"))),
            422,
            "validation-error",
            ["#/person/sex"],
        ),
        id="nested-sex",
    ),
    pytest.param(
        BadRequest(
            lambda: _json(samples.booking(person=samples.person(date_of_birth="17/04/1990"))),
            422,
            "validation-error",
            ["#/person/date_of_birth"],
        ),
        id="nested-date-of-birth",
    ),
    pytest.param(
        BadRequest(
            lambda: _json(samples.booking(charges=[samples.charge(), samples.charge(severity="violation")])),
            422,
            "validation-error",
            ["#/charges/1/severity"],
        ),
        id="charge-severity",
    ),
    pytest.param(
        BadRequest(
            lambda: _json(samples.booking(charges=[samples.charge(), {**samples.charge(), "description": ""}])),
            422,
            "validation-error",
            ["#/charges/1/description"],
        ),
        id="deeply-nested",
    ),
]


@pytest.mark.parametrize("bad", BAD_REQUESTS)
async def test_bad_event_is_refused_with_a_problem_publishes_nothing_and_the_service_keeps_serving(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, bad: BadRequest
) -> None:
    headers = {"content-type": bad.content_type} if bad.content_type else {}

    response = await api.post(URL, content=bad.body(), headers=headers)

    problem = assert_problem(response, bad.status, bad.slug)
    assert pointers(problem) == bad.pointers
    assert problem["detail"]
    assert await redis_client.xlen(names.custody_events) == 0
    following = await api.post(URL, json=samples.booking(event_id="evt-after-refusal"))
    assert following.status_code == 202
    assert await redis_client.xlen(names.custody_events) == 1


async def test_charge_severity_error_points_into_the_first_charge(api: httpx.AsyncClient) -> None:
    response = await api.post(URL, json=samples.booking(charges=[samples.charge(severity="serious")]))

    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"] == [
        {"pointer": "#/charges/0/severity", "detail": "must be one of: felony, misdemeanor, infraction"}
    ]


async def test_several_errors_in_one_body_are_all_reported(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    payload = samples.booking(
        facility_ori="CA01942",
        occurred_at="2026-11-20",
        person=samples.person(date_of_birth="17/04/1990", a_number="A1"),
        charges=[samples.charge(severity="violation")],
    )
    del payload["booking_number"]

    response = await api.post(URL, json=payload)

    problem = assert_problem(response, 422, "validation-error")
    assert sorted(pointers(problem)) == sorted(
        [
            "#/facility_ori",
            "#/occurred_at",
            "#/booking_number",
            "#/person/date_of_birth",
            "#/charges/0/severity",
        ]
    )  # not the unreadable a_number: an optional field never refuses an event
    assert problem["detail"] == "5 field(s) failed validation."
    assert await redis_client.xlen(names.custody_events) == 0


async def test_error_details_explain_the_rule_without_echoing_the_input(api: httpx.AsyncClient) -> None:
    response = await api.post(URL, json=samples.booking(booking_number="2026*Z98765432"))

    problem = assert_problem(response, 422, "validation-error")
    (error,) = problem["errors"]
    assert error["detail"] == "must be 1-40 characters: letters, digits and . / - (starting with a letter or digit)"
    assert "Z98765432" not in response.text


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        pytest.param(
            {k: v for k, v in samples.booking().items() if k != "event_id"}, "is required", id="missing-field"
        ),
        pytest.param(
            samples.transfer(to_facility_ori="CA0194200"),
            "must differ from facility_ori",
            id="rule-across-fields",
        ),
    ],
)
async def test_error_details_read_as_plain_sentences(
    api: httpx.AsyncClient, payload: dict[str, object], detail: str
) -> None:
    response = await api.post(URL, json=payload)

    problem = assert_problem(response, 422, "validation-error")
    assert [error["detail"] for error in problem["errors"]] == [detail]


async def test_unknown_type_problem_lists_the_types_it_takes(api: httpx.AsyncClient) -> None:
    response = await api.post(URL, json=samples.booking(type="arrest"))

    problem = assert_problem(response, 422, "validation-error")
    (error,) = problem["errors"]
    assert error["pointer"] == "#/type"
    assert error["detail"] == "must be one of: " + ", ".join(
        ["booking", "booking_updated", "release_scheduled", "release_cancelled", "release", "transfer"]
    )
    assert "arrest" not in error["detail"]  # what was sent is not echoed


async def test_an_event_without_a_type_says_type_is_required(api: httpx.AsyncClient) -> None:
    event = samples.booking()
    del event["type"]

    response = await api.post(URL, json=event)

    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"] == [{"pointer": "#/type", "detail": "is required"}]


@pytest.mark.parametrize("sent", ["", 3, None, ["bail_posted"]], ids=["empty", "a-number", "null", "an-array"])
async def test_a_release_reason_error_lists_only_the_reasons_a_source_may_send(
    api: httpx.AsyncClient, sent: object
) -> None:
    response = await api.post(URL, json=samples.release(release_reason=sent))

    problem = assert_problem(response, 422, "validation-error")
    (error,) = problem["errors"]
    assert error["pointer"] == "#/release_reason"
    assert error["detail"] == (
        "must be one of: bail_posted, own_recognizance, sentence_complete, court_order, charges_dropped, "
        "transfer, other"
    )


async def test_body_growing_past_the_limit_without_a_declared_length_is_refused(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b" " * (100 * 1024)  # 500 KiB in all, over the 256 KiB limit

    response = await api.post(URL, content=chunks(), headers={"content-type": JSON})

    assert "content-length" not in response.request.headers
    problem = assert_problem(response, 413, "body-too-large")
    assert "limit" in problem["detail"]
    assert await redis_client.xlen(names.custody_events) == 0


async def test_refused_event_leaves_no_receipt_so_its_id_stays_free(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post(URL, json=samples.booking(facility_ori="bad"))

    assert await redis_client.exists(names.custody_receipt("CA0194200", "evt-0001")) == 0
    response = await api.post(URL, json=samples.booking())
    assert response.status_code == 202
    assert "idempotent-replayed" not in response.headers


async def test_other_methods_are_refused_with_a_problem_naming_the_allowed_one(api: httpx.AsyncClient) -> None:
    response = await api.get(URL)

    problem = assert_problem(response, 405, "method-not-allowed")
    assert problem["detail"] == "GET is not allowed here."
    assert response.headers["allow"] == "POST"


async def test_pointer_to_a_field_whose_name_holds_slash_or_tilde_is_escaped(api: httpx.AsyncClient) -> None:
    response = await api.post(URL, json=samples.booking(**{"a/b~c": 1}))

    assert response.status_code == 202, response.text
    assert [warning["pointer"] for warning in response.json()["warnings"]] == ["#/a~1b~0c"]


async def test_booking_updated_without_a_correction_is_reported_on_the_whole_event(api: httpx.AsyncClient) -> None:
    payload = samples.booking_updated()
    del payload["charges"]

    response = await api.post(URL, json=payload)

    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"] == [{"pointer": "#", "detail": "a booking_updated event needs person, charges or both"}]


async def test_transfer_to_the_same_facility_is_refused_and_not_published(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api.post(URL, json=samples.transfer(to_facility_ori="CA0194200"))

    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"] == [{"pointer": "#/to_facility_ori", "detail": "must differ from facility_ori"}]
    assert await redis_client.xlen(names.custody_events) == 0


async def test_transfer_to_the_same_facility_points_at_to_facility_ori(api: httpx.AsyncClient) -> None:
    response = await api.post(URL, json=samples.transfer(to_facility_ori="CA0194200"))

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == ["#/to_facility_ori"]
