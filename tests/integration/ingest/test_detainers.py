"""`/v1/detainers`: lodge, read, lift and list, each change on the changelog exactly once."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import LodgeDetainer, RedisNames
from contracts.detainers import detainer_id_in
from ingest.app import create_app
from ingest.settings import IngestSettings
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers, stream_entries

URL = "/v1/detainers"


async def lodge(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await api.post(URL, json=samples.detainer(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def lift(api: httpx.AsyncClient, detainer_id: str, **body: Any) -> httpx.Response:
    return await api.post(f"{URL}/{detainer_id}/lift", json=body)


async def changelog(redis: Redis, names: RedisNames) -> list[tuple[str, dict[str, Any]]]:
    """(type, change JSON) of every changelog entry."""
    return [
        (fields["type"], json.loads(fields["__data__"]))
        for _, fields in await stream_entries(redis, names.detainer_changes)
    ]


def as_lodged(payload: dict[str, Any]) -> dict[str, Any]:
    """The lodge request as the service serves it back (optional fields spelled out)."""
    return LodgeDetainer.model_validate_json(json.dumps(payload)).model_dump(mode="json")


# --- lodging ------------------------------------------------------------------------------


async def test_lodged_detainer_is_answered_201_as_an_active_record(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    payload = samples.detainer()

    response = await api.post(URL, json=payload)

    assert response.status_code == 201
    assert response.headers["location"] == "/v1/detainers/LOS-2026-000871?field_office=LOS"
    assert "idempotent-replayed" not in response.headers
    record = response.json()
    assert {key: record[key] for key in payload} == as_lodged(payload)
    assert record["status"] == "active"
    assert datetime.fromisoformat(record["lodged_at"]).utcoffset() is not None
    assert (record["lifted_at"], record["lift_reason"], record["lift_note"]) == (None, None, None)
    assert await redis_client.smembers(names.active_detainers) == {b"LOS/LOS-2026-000871"}


async def test_lodging_publishes_one_detainer_lodged_change_with_the_record(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    record = await lodge(api)

    assert await changelog(redis_client, names) == [
        ("detainer_lodged", {"type": "detainer_lodged", "detainer": record})
    ]


async def test_lodged_detainer_is_read_back_as_answered(api: httpx.AsyncClient) -> None:
    record = await lodge(api)

    response = await api.get(f"{URL}/LOS-2026-000871")

    assert response.status_code == 200
    assert response.json() == record


async def test_a_judicial_warrant_is_kept_with_the_detainer_and_one_without_is_stored_as_before(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    warrant = {"court": "U.S. District Court, C.D. Cal.", "reference": "2:26-mj-01234"}

    backed = await lodge(api, judicial_warrant=warrant)
    plain = await lodge(api, detainer_id="LOS-2026-000872")

    assert backed["judicial_warrant"] == warrant
    assert (await api.get(f"{URL}/LOS-2026-000871")).json()["judicial_warrant"] == warrant
    assert "judicial_warrant" not in plain
    stored = await redis_client.get(names.detainer("LOS/LOS-2026-000872"))
    assert stored is not None
    assert b"judicial_warrant" not in stored
    refused = await api.post(URL, json=samples.detainer(detainer_id="LOS-3", judicial_warrant={"court": "x"}))
    assert refused.status_code == 422
    assert "#/judicial_warrant/reference" in pointers(refused.json())


async def test_same_lodge_again_is_replayed_with_one_changelog_entry(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    record = await lodge(api)

    again = await api.post(URL, json=samples.detainer())

    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == record
    assert len(await changelog(redis_client, names)) == 1


async def test_lodge_with_a_different_body_under_a_used_id_is_refused(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    record = await lodge(api)

    response = await api.post(URL, json=samples.detainer(form="I-247N"))

    problem = assert_problem(response, 409, "detainer-conflict")
    assert pointers(problem) == ["#/detainer_id"]
    assert (await api.get(f"{URL}/LOS-2026-000871")).json() == record
    assert len(await changelog(redis_client, names)) == 1


@pytest.mark.parametrize(
    ("payload", "expected_pointers"),
    [
        pytest.param(samples.detainer(form="I-247"), ["#/form"], id="form"),
        pytest.param(samples.detainer(field_office="los"), ["#/field_office"], id="field-office"),
        pytest.param(samples.detainer(issued_at="2026-11-01T10:00:00"), ["#/issued_at"], id="issued-without-offset"),
        pytest.param(samples.detainer(lodged_with_ori="CA01942"), ["#/lodged_with_ori"], id="ori"),
        pytest.param(
            samples.detainer(person=samples.person(date_of_birth="17/04/1990")),
            ["#/person/date_of_birth"],
            id="person-date-of-birth",
        ),
        pytest.param(
            samples.detainer(person=samples.person(last_name="GARC1A")),
            ["#/person/last_name"],
            id="person-name",
        ),
        pytest.param(samples.detainer(status="active"), ["#/status"], id="server-side-field"),
        pytest.param(
            {k: v for k, v in samples.detainer().items() if k not in {"person", "form"}},
            ["#/form", "#/person"],
            id="missing-fields",
        ),
        pytest.param([samples.detainer()], ["#"], id="array"),
    ],
)
async def test_invalid_detainer_is_refused_with_pointers_and_nothing_stored(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, payload: Any, expected_pointers: list[str]
) -> None:
    response = await api.post(URL, json=payload)

    problem = assert_problem(response, 422, "validation-error")
    assert sorted(pointers(problem)) == expected_pointers
    assert await redis_client.xlen(names.detainer_changes) == 0
    assert await redis_client.scard(names.active_detainers) == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "slug"),
    [
        pytest.param(b'{"detainer_id": ', "application/json", 400, "malformed-body", id="malformed-json"),
        pytest.param(b'{"detainer_id": "\xff"}', "application/json", 400, "malformed-body", id="invalid-utf8"),
        pytest.param(json.dumps(samples.detainer()).encode(), "text/plain", 415, "unsupported-media-type", id="text"),
        pytest.param(
            b'{"detainer_id": "' + b"A" * (300 * 1024) + b'"}', "application/json", 413, "body-too-large", id="300-KiB"
        ),
    ],
)
async def test_unreadable_detainer_body_is_refused(
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
    assert await redis_client.xlen(names.detainer_changes) == 0


async def test_unknown_detainer_is_a_404_problem(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{URL}/LOS-0000-NOPE")

    problem = assert_problem(response, 404, "not-found")
    assert "LOS-0000-NOPE" in problem["detail"]


async def test_detainer_id_outside_its_alphabet_in_the_path_is_a_422_problem(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{URL}/LOS%202026")

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == ["#/path/detainer_id"]


async def test_identical_lodges_racing_each_other_lodge_once(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    responses = await asyncio.gather(*(api.post(URL, json=samples.detainer()) for _ in range(5)))

    assert [response.status_code for response in responses] == [201] * 5
    assert sum("idempotent-replayed" not in response.headers for response in responses) == 1
    assert len({response.text for response in responses}) == 1
    assert await redis_client.xlen(names.detainer_changes) == 1


async def test_stored_record_that_cannot_be_read_is_a_500_problem(
    ingest_settings: IngestSettings, redis_client: Redis, names: RedisNames
) -> None:
    await redis_client.set(names.detainer("LOS-BROKEN"), b"{not json")
    app = create_app(ingest_settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(f"{URL}/LOS-BROKEN")

    problem = assert_problem(response, 500, "internal-error")
    assert "not json" not in response.text
    assert problem["detail"] == "An unexpected error occurred."


# --- lifting --------------------------------------------------------------------------------


async def test_lifting_answers_the_lifted_record_and_leaves_the_active_set(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    lodged = await lodge(api)

    response = await lift(api, "LOS-2026-000871", reason="citizenship_claim")

    assert response.status_code == 200
    assert "idempotent-replayed" not in response.headers
    record = response.json()
    assert record["status"] == "lifted"
    assert record["lift_reason"] == "citizenship_claim"
    assert record["lift_note"] is None
    assert datetime.fromisoformat(record["lifted_at"]) >= datetime.fromisoformat(lodged["lodged_at"])
    assert {key: record[key] for key in samples.detainer()} == as_lodged(samples.detainer())
    assert await redis_client.sismember(names.active_detainers, "LOS-2026-000871") == 0
    assert (await api.get(f"{URL}/LOS-2026-000871")).json() == record


async def test_lifting_publishes_one_detainer_lifted_change(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await lodge(api)

    record = (await lift(api, "LOS-2026-000871", reason="citizenship_claim", note="Birth certificate shown.")).json()

    changes = await changelog(redis_client, names)
    assert [change_type for change_type, _ in changes] == ["detainer_lodged", "detainer_lifted"]
    assert changes[1][1] == {"type": "detainer_lifted", "detainer": record}
    assert record["lift_note"] == "Birth certificate shown."


async def test_lifting_again_for_the_same_reason_is_replayed_without_a_new_change(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await lodge(api)
    first = await lift(api, "LOS-2026-000871", reason="citizenship_claim")

    again = await lift(api, "LOS-2026-000871", reason="citizenship_claim")

    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert [change_type for change_type, _ in await changelog(redis_client, names)] == [
        "detainer_lodged",
        "detainer_lifted",
    ]


async def test_lifts_for_different_reasons_racing_each_other_lift_once(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await lodge(api)
    reasons = ["cancelled", "custody_assumed", "other", "citizenship_claim"]

    responses = await asyncio.gather(*(lift(api, "LOS-2026-000871", reason=reason) for reason in reasons))

    assert sorted(response.status_code for response in responses) == [200, 409, 409, 409]
    (winner,) = (response for response in responses if response.status_code == 200)
    assert (await api.get(f"{URL}/LOS-2026-000871")).json() == winner.json()
    assert await redis_client.xlen(names.detainer_changes) == 2


async def test_lodging_again_a_lifted_detainer_is_refused_rather_than_answered_as_lodged(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    # The office lifted it, then lodges it again (the same body, or a new one): answering 201 as a replay told it
    # the detainer was in force, where it stays lifted and nothing is raised or reminded for it.
    await lodge(api)
    lifted = (await lift(api, "LOS-2026-000871", reason="citizenship_claim")).json()

    same = await api.post(URL, json=samples.detainer())
    changed = await api.post(URL, json=samples.detainer(issued_at="2026-11-24T10:00:00-08:00"))

    for response in (same, changed):
        problem = assert_problem(response, 409, "detainer-conflict")
        assert problem["errors"] == [
            {"pointer": "#/detainer_id", "detail": "lifted: a detainer lodged anew needs a new detainer_id"}
        ]
        assert "idempotent-replayed" not in response.headers
    assert (await api.get(f"{URL}/LOS-2026-000871")).json() == lifted
    assert [change_type for change_type, _ in await changelog(redis_client, names)] == [
        "detainer_lodged",
        "detainer_lifted",
    ]


@pytest.mark.parametrize(
    "second",
    [
        pytest.param({"reason": "custody_assumed"}, id="other-reason"),
        pytest.param({"reason": "citizenship_claim", "note": "Passport shown."}, id="same-reason-other-note"),
    ],
)
async def test_lifting_again_differently_is_refused(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, second: dict[str, str]
) -> None:
    await lodge(api)
    first = await lift(api, "LOS-2026-000871", reason="citizenship_claim")

    response = await lift(api, "LOS-2026-000871", **second)

    problem = assert_problem(response, 409, "detainer-conflict")
    assert pointers(problem) == ["#/reason"]
    assert (await api.get(f"{URL}/LOS-2026-000871")).json() == first.json()
    assert await redis_client.xlen(names.detainer_changes) == 2


async def test_lifting_an_unknown_detainer_is_a_404_problem(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await lift(api, "LOS-0000-NOPE", reason="cancelled")

    problem = assert_problem(response, 404, "not-found")
    assert "LOS-0000-NOPE" in problem["detail"]
    assert await redis_client.xlen(names.detainer_changes) == 0


@pytest.mark.parametrize(
    ("body", "expected_pointers"),
    [
        pytest.param({"reason": "expired"}, ["#/reason"], id="unknown-reason"),
        pytest.param({}, ["#/reason"], id="no-reason"),
        pytest.param({"reason": "other", "note": "x" * 501}, ["#/note"], id="note-too-long"),
        pytest.param({"reason": "other", "by": "officer"}, ["#/by"], id="unknown-field"),
    ],
)
async def test_invalid_lift_is_refused_and_the_detainer_stays_active(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, body: dict[str, str], expected_pointers: list[str]
) -> None:
    await lodge(api)

    response = await lift(api, "LOS-2026-000871", **body)

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == expected_pointers
    assert (await api.get(f"{URL}/LOS-2026-000871")).json()["status"] == "active"
    assert await redis_client.xlen(names.detainer_changes) == 1


# --- listing --------------------------------------------------------------------------------


async def lodge_several(api: httpx.AsyncClient) -> None:
    """LOS-1..LOS-4 and NYC-1..NYC-3; LOS-2 and NYC-3 lifted."""
    for office, count in (("LOS", 4), ("NYC", 3)):
        for number in range(1, count + 1):
            await lodge(api, detainer_id=f"{office}-{number}", field_office=office)
    for detainer_id in ("LOS-2", "NYC-3"):
        assert (await lift(api, detainer_id, reason="cancelled")).status_code == 200


def ids_of(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {detainer["detainer_id"] for detainer in response.json()["detainers"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({}, {"LOS-1", "LOS-2", "LOS-3", "LOS-4", "NYC-1", "NYC-2", "NYC-3"}, id="all"),
        pytest.param({"status": "active"}, {"LOS-1", "LOS-3", "LOS-4", "NYC-1", "NYC-2"}, id="active"),
        pytest.param({"status": "lifted"}, {"LOS-2", "NYC-3"}, id="lifted"),
        pytest.param({"field_office": "LOS"}, {"LOS-1", "LOS-2", "LOS-3", "LOS-4"}, id="office"),
        pytest.param({"field_office": "NYC", "status": "active"}, {"NYC-1", "NYC-2"}, id="office-and-status"),
        pytest.param({"field_office": "LOS", "status": "lifted"}, {"LOS-2"}, id="office-lifted"),
        pytest.param({"field_office": "HOU"}, set(), id="office-with-none"),
    ],
)
async def test_listing_filters_by_status_and_field_office(
    api: httpx.AsyncClient, query: dict[str, str], expected: set[str]
) -> None:
    await lodge_several(api)

    response = await api.get(URL, params=query)

    assert ids_of(response) == expected
    assert response.json()["next_cursor"] is None
    assert all(d["status"] == query.get("status", d["status"]) for d in response.json()["detainers"])


async def test_active_listing_matches_the_active_set(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await lodge_several(api)

    listed = ids_of(await api.get(URL, params={"status": "active"}))

    active = {detainer_id_in(member.decode()) for member in await redis_client.smembers(names.active_detainers)}
    assert active == listed


async def test_paging_walks_every_detainer_exactly_once_newest_first(api: httpx.AsyncClient) -> None:
    lodged = [(await lodge(api, detainer_id=f"LOS-{number:02d}"))["detainer_id"] for number in range(7)]

    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        response = await api.get(URL, params=params)
        assert response.status_code == 200, response.text
        pages.append(response.json()["detainers"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 10, "paging does not end"

    assert [len(page) for page in pages] == [3, 3, 1]
    served = [detainer for page in pages for detainer in page]
    assert sorted(d["detainer_id"] for d in served) == sorted(lodged)
    lodged_ms = [int(datetime.fromisoformat(d["lodged_at"]).timestamp() * 1000) for d in served]
    assert lodged_ms == sorted(lodged_ms, reverse=True)


async def test_detainer_lodged_while_paging_does_not_shift_the_pages(api: httpx.AsyncClient) -> None:
    for number in range(5):
        await lodge(api, detainer_id=f"LOS-{number}")
    first = await api.get(URL, params={"limit": 2})

    await lodge(api, detainer_id="LOS-new")
    rest = await api.get(URL, params={"limit": 10, "cursor": first.json()["next_cursor"]})

    assert len(ids_of(first)) == 2
    assert ids_of(first) | ids_of(rest) == {f"LOS-{number}" for number in range(5)}
    assert not ids_of(first) & ids_of(rest)


async def test_paging_with_a_limit_that_divides_the_count_ends_without_an_empty_page(api: httpx.AsyncClient) -> None:
    for number in range(6):
        await lodge(api, detainer_id=f"LOS-{number}")

    first = await api.get(URL, params={"limit": 3})
    second = await api.get(URL, params={"limit": 3, "cursor": first.json()["next_cursor"]})

    assert len(ids_of(first) | ids_of(second)) == 6
    assert second.json()["next_cursor"] is None


async def test_paging_with_a_filter_stays_within_the_filter(api: httpx.AsyncClient) -> None:
    await lodge_several(api)

    first = await api.get(URL, params={"status": "active", "limit": 2})
    rest = await api.get(URL, params={"status": "active", "limit": 10, "cursor": first.json()["next_cursor"]})

    assert ids_of(first) | ids_of(rest) == {"LOS-1", "LOS-3", "LOS-4", "NYC-1", "NYC-2"}
    assert not ids_of(first) & ids_of(rest)


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        pytest.param({"status": "gone"}, "#/query/status", id="status"),
        pytest.param({"field_office": "los"}, "#/query/field_office", id="office"),
        pytest.param({"limit": "0"}, "#/query/limit", id="limit-0"),
        pytest.param({"limit": "501"}, "#/query/limit", id="limit-501"),
        pytest.param({"cursor": "not a cursor"}, "#/query/cursor", id="cursor"),
    ],
)
async def test_listing_with_a_bad_query_is_a_422_problem(
    api: httpx.AsyncClient, query: dict[str, str], pointer: str
) -> None:
    response = await api.get(URL, params=query)

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == [pointer]
