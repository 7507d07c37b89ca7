"""`POST /v1/detainers:batch`: good detainers lodged, bad ones reported by index, nothing lodged twice, each office
lodging only its own."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi.responses import JSONResponse
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.detainers.routes import DetainerBatchItem, DetainerBatchResult
from ingest.settings import IngestSettings
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers, stream_entries
from tests.integration.serving import keys_json, serving

URL = "/v1/detainers:batch"
NDJSON = "application/x-ndjson"


def detainers(count: int, *, office: str = "LOS") -> list[dict[str, Any]]:
    return [samples.detainer(detainer_id=f"{office}-2026-{number:06d}", field_office=office) for number in range(count)]


def ndjson(*lines: dict[str, Any] | str) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines).encode() + b"\n"


async def changelog_ids(redis: Redis, names: RedisNames) -> list[str]:
    """The references of the detainers on the changelog, in order."""
    return [fields["detainer_ref"] for _, fields in await stream_entries(redis, names.detainer_changes)]


async def audit_of(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await api.get("/v1/ops/audit")
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


# --- what is lodged ----------------------------------------------------------------------------------


async def test_json_array_lodges_the_valid_detainers_and_reports_the_invalid_by_index(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    batch = detainers(5)
    batch[3]["person"]["date_of_birth"] = "1990-13-45"

    response = await api.post(URL, json=batch)

    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["unchanged"], result["rejected"]) == (4, 0, 1)
    assert [item["index"] for item in result["results"]] == [0, 1, 2, 3, 4]
    assert [item["status"] for item in result["results"]] == ["created"] * 3 + ["invalid", "created"]
    assert [error["pointer"] for error in result["results"][3]["errors"]] == ["#/3/person/date_of_birth"]
    assert result["results"][0]["detainer_id"] == "LOS-2026-000000"
    assert await changelog_ids(redis_client, names) == [f"LOS/LOS-2026-00000{n}" for n in (0, 1, 2, 4)]
    read = await api.get("/v1/detainers/LOS-2026-000004")
    assert read.status_code == 200
    assert read.json()["status"] == "active"
    assert (await api.get("/v1/detainers/LOS-2026-000003")).status_code == 404


async def test_a_batch_lodged_detainer_is_the_record_a_single_lodge_makes(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post(URL, json=[samples.detainer()])

    record = (await api.get("/v1/detainers/LOS-2026-000871")).json()
    entries = await stream_entries(redis_client, names.detainer_changes)

    assert {key: record[key] for key in ("detainer_id", "field_office", "form", "lodged_with_ori")} == {
        "detainer_id": "LOS-2026-000871",
        "field_office": "LOS",
        "form": "I-247A",
        "lodged_with_ori": "CA0194200",
    }
    assert [(fields["type"], json.loads(fields["__data__"])) for _, fields in entries] == [
        ("detainer_lodged", {"type": "detainer_lodged", "detainer": record})
    ]
    assert await redis_client.smembers(names.active_detainers) == {b"LOS/LOS-2026-000871"}


async def test_ndjson_lines_are_lodged_and_a_broken_line_refuses_only_itself(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    first, second = detainers(2)
    body = ndjson(first, "{not json", "", second)

    response = await api.post(URL, content=body, headers={"content-type": NDJSON})

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(item["index"], item["status"]) for item in results] == [(0, "created"), (1, "invalid"), (3, "created")]
    assert [error["pointer"] for error in results[1]["errors"]] == ["#/1"]
    assert len(await changelog_ids(redis_client, names)) == 2


async def test_an_unreadable_optional_field_is_dropped_with_a_warning_pointing_into_the_batch(
    api: httpx.AsyncClient,
) -> None:
    batch = detainers(2)
    batch[1]["person"]["a_number"] = "A12X"

    response = await api.post(URL, json=batch)

    assert response.status_code == 200, response.text
    item = response.json()["results"][1]
    assert item["status"] == "created"
    assert [warning["pointer"] for warning in item["warnings"]] == ["#/1/person/a_number"]
    assert (await api.get("/v1/detainers/LOS-2026-000001")).json()["person"].get("a_number") is None


# --- idempotency and conflicts ------------------------------------------------------------------------


async def test_the_same_batch_again_is_unchanged_with_no_second_changelog_entry_or_audit_entry(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    batch = detainers(3)
    first = await api.post(URL, json=batch)

    again = await api.post(URL, json=batch)

    assert first.status_code == again.status_code == 200
    assert [item["status"] for item in again.json()["results"]] == ["unchanged"] * 3
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)
    assert len(await changelog_ids(redis_client, names)) == 3
    lodged = [entry for entry in await audit_of(api) if entry["action"] == "detainers.lodged"]
    assert len(lodged) == 1
    assert lodged[0]["target"] == "LOS"
    assert lodged[0]["detail"] == "batch of 3: 3 created, 0 unchanged, 0 rejected"


async def test_a_batch_adding_to_lodged_detainers_creates_only_the_new_ones(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post(URL, json=detainers(2))

    response = await api.post(URL, json=detainers(4))

    assert [item["status"] for item in response.json()["results"]] == ["unchanged"] * 2 + ["created"] * 2
    assert len(await changelog_ids(redis_client, names)) == 4


async def test_another_body_under_a_used_id_is_a_conflict_pointing_at_the_id_and_changes_nothing(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post(URL, json=detainers(1))
    changed = samples.detainer(detainer_id="LOS-2026-000000", form="I-247N")

    response = await api.post(URL, json=[*detainers(2)[1:], changed])

    assert response.status_code == 200
    conflict = response.json()["results"][1]
    assert conflict["status"] == "conflict"
    assert conflict["errors"] == [{"pointer": "#/1/detainer_id", "detail": "already lodged with a different body"}]
    assert (await api.get("/v1/detainers/LOS-2026-000000")).json()["form"] == "I-247A"
    assert len(await changelog_ids(redis_client, names)) == 2


async def test_a_lifted_detainer_in_a_batch_again_is_a_conflict_not_unchanged(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    # An office importing its file again after lifting one of its rows: "unchanged" told it that detainer was in
    # force, where it stays lifted and nothing is raised or reminded for it.
    await api.post(URL, json=detainers(2))
    lifted = await api.post("/v1/detainers/LOS-2026-000000/lift", json={"reason": "cancelled"})
    assert lifted.status_code == 200, lifted.text

    response = await api.post(URL, json=detainers(2))

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "index": 0,
            "detainer_id": "LOS-2026-000000",
            "status": "conflict",
            "errors": [
                {"pointer": "#/0/detainer_id", "detail": "lifted: a detainer lodged anew needs a new detainer_id"}
            ],
        },
        {"index": 1, "detainer_id": "LOS-2026-000001", "status": "unchanged"},
    ]
    assert (await api.get("/v1/detainers/LOS-2026-000000")).json()["status"] == "lifted"
    assert len(await changelog_ids(redis_client, names)) == 3


async def test_one_id_twice_in_a_batch_lodges_the_first_and_decides_the_second_against_it(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    same, other = samples.detainer(), samples.detainer(form="I-247N")

    response = await api.post(URL, json=[same, same, other])

    assert [item["status"] for item in response.json()["results"]] == ["created", "unchanged", "conflict"]
    assert len(await changelog_ids(redis_client, names)) == 1


async def test_a_batch_of_conflicts_only_is_refused_409_listing_each(api: httpx.AsyncClient) -> None:
    await api.post(URL, json=detainers(2))
    changed = [{**item, "form": "I-247N"} for item in detainers(2)]

    response = await api.post(URL, json=changed)

    problem = assert_problem(response, 409, "detainer-conflict")
    assert pointers(problem) == ["#/0/detainer_id", "#/1/detainer_id"]
    assert [item["status"] for item in problem["results"]] == ["conflict", "conflict"]


# --- limits and refusals --------------------------------------------------------------------------------


async def test_a_batch_of_invalid_detainers_only_is_refused_422_naming_each_field(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    batch = detainers(2)
    del batch[0]["person"]
    batch[1]["field_office"] = ""

    response = await api.post(URL, json=batch)

    problem = assert_problem(response, 422, "validation-error")
    assert "#/0/person" in pointers(problem)
    assert "#/1/field_office" in pointers(problem)
    assert await changelog_ids(redis_client, names) == []


@pytest.mark.parametrize(
    ("body", "content_type", "status", "slug"),
    [
        (b"[]", "application/json", 400, "malformed-body"),
        (b"\n\n", NDJSON, 400, "malformed-body"),
        (b'{"detainer_id": "LOS-1"}', "application/json", 400, "malformed-body"),
        (b"[", "application/json", 400, "malformed-body"),
        (b"detainer_id,field_office\n", "text/csv", 415, "unsupported-media-type"),
    ],
    ids=["empty-array", "blank-ndjson", "not-an-array", "not-json", "csv"],
)
async def test_a_body_that_is_no_batch_is_refused_whole(
    api: httpx.AsyncClient, body: bytes, content_type: str, status: int, slug: str
) -> None:
    response = await api.post(URL, content=body, headers={"content-type": content_type})

    assert_problem(response, status, slug)


@pytest.fixture
async def small_limits(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = IngestSettings(
        redis_url=redis_url, log_format="text", auth="off", max_batch_events=3, max_batch_bytes=8000
    )
    async with serving(settings) as client:
        yield client


async def test_more_detainers_than_a_batch_takes_is_413_and_lodges_none(
    small_limits: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await small_limits.post(URL, json=detainers(4))

    problem = assert_problem(response, 413, "body-too-large")
    assert "4 detainers" in problem["detail"]
    assert "at most 3" in problem["detail"]
    assert await changelog_ids(redis_client, names) == []


async def test_a_body_over_the_byte_limit_is_413(small_limits: httpx.AsyncClient) -> None:
    big = [samples.detainer(detainer_id="LOS-1", notes="x" * 9000)]

    response = await small_limits.post(URL, content=json.dumps(big).encode(), headers={"content-type": NDJSON})

    problem = assert_problem(response, 413, "body-too-large")
    assert "8000" in problem["detail"]


# --- offices ----------------------------------------------------------------------------------------------

OFFICE_KEYS = {"los": ("field_office", "LOS"), "nyc": ("field_office", "NYC"), "ops": ("operator", None)}


def as_(holder: str) -> dict[str, str]:
    return {"Authorization": f"Bearer rwk_detainer_batches_{holder}"}


@pytest.fixture
async def keyed(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    entries = [
        ApiKeyEntry(
            name=holder, role=Role(role), key_sha256=digest_of(f"rwk_detainer_batches_{holder}"), field_office=office
        )
        for holder, (role, office) in OFFICE_KEYS.items()
    ]
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(entries))
    async with serving(settings) as client:
        yield client


async def test_a_field_office_key_lodges_its_own_detainers_and_another_offices_are_forbidden_by_index(
    keyed: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    batch = [*detainers(1, office="LOS"), *detainers(1, office="NYC")]

    response = await keyed.post(URL, json=batch, headers=as_("los"))

    assert response.status_code == 200, response.text
    forbidden = response.json()["results"][1]
    assert forbidden["status"] == "forbidden"
    assert forbidden["errors"] == [{"pointer": "#/1/field_office", "detail": "must be LOS for this key"}]
    assert await changelog_ids(redis_client, names) == ["LOS/LOS-2026-000000"]


async def test_a_batch_only_of_another_offices_detainers_is_403(keyed: httpx.AsyncClient) -> None:
    response = await keyed.post(URL, json=detainers(2, office="NYC"), headers=as_("los"))

    problem = assert_problem(response, 403, "forbidden")
    assert pointers(problem) == ["#/0/field_office", "#/1/field_office"]


async def test_two_offices_lodging_the_same_ids_each_lodge_their_own_detainers(
    keyed: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    shared = [samples.detainer(detainer_id=f"D-{n}") for n in range(2)]
    await keyed.post(URL, json=shared, headers=as_("los"))

    response = await keyed.post(
        URL, json=[{**item, "field_office": "NYC", "form": "I-247N"} for item in shared], headers=as_("nyc")
    )

    assert [item["status"] for item in response.json()["results"]] == ["created", "created"]
    assert sorted(await changelog_ids(redis_client, names)) == ["LOS/D-0", "LOS/D-1", "NYC/D-0", "NYC/D-1"]
    mine = await keyed.get("/v1/detainers/D-0", headers=as_("los"))
    assert mine.json()["form"] == "I-247A"


async def test_an_operator_lodges_for_any_office_and_the_audit_names_the_offices(keyed: httpx.AsyncClient) -> None:
    batch = [*detainers(1, office="LOS"), *detainers(2, office="NYC")]

    response = await keyed.post(URL, json=batch, headers=as_("ops"))

    assert response.json()["created"] == 3
    audit = (await keyed.get("/v1/ops/audit", headers=as_("ops"))).json()["entries"]
    assert [(entry["actor"], entry["action"], entry["target"]) for entry in audit] == [
        ("ops", "detainers.lodged", "LOS,NYC")
    ]


async def test_a_source_key_may_not_lodge_detainers(redis_url: str) -> None:
    entry = ApiKeyEntry(name="jail", role=Role.SOURCE, key_sha256=digest_of("rwk_detainer_batches_jail"))
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json([entry]))
    async with serving(settings) as client:
        response = await client.post(
            URL, json=detainers(1), headers={"Authorization": "Bearer rwk_detainer_batches_jail"}
        )

    assert_problem(response, 403, "forbidden")


async def test_a_batch_is_logged_as_counts_never_a_persons_data(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    batch = detainers(3)
    batch[2]["person"]["date_of_birth"] = "1990-02-30"

    response = await api.post(URL, json=batch)

    assert response.status_code == 200, response.text
    (record,) = [record for record in caplog.records if record.getMessage() == "detainer batch lodged"]
    counts = {name: getattr(record, name) for name in ("detainers", "lodged", "unchanged", "rejected")}
    assert counts == {"detainers": 3, "lodged": 2, "unchanged": 0, "rejected": 1}
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert not any(value in logged for value in ("GARCIA", "1990-04-17", "1990-02-30", "A012345678"))


def _lodges_counted(outcome: str) -> float:
    sample = REGISTRY.get_sample_value(
        "releasewatch_ingest_detainer_changes_total", {"change": "lodged", "outcome": outcome}
    )
    return sample or 0.0


async def test_a_batch_counts_each_lodge_by_outcome(api: httpx.AsyncClient) -> None:
    before = {outcome: _lodges_counted(outcome) for outcome in ("applied", "replayed", "invalid")}
    batch = detainers(4, office="SEA")
    batch[1]["form"] = "not-a-form"
    await api.post(URL, json=batch[:1])

    response = await api.post(URL, json=batch)

    assert response.status_code == 200, response.text
    counted = {outcome: _lodges_counted(outcome) - before[outcome] for outcome in before}
    assert counted == {"applied": 3.0, "replayed": 1.0, "invalid": 1.0}  # the first item lodged by the first batch


async def test_each_kind_of_answer_is_written_as_its_model_writes_it(keyed: httpx.AsyncClient) -> None:
    lodged = detainers(2, office="LOS")
    assert (await keyed.post(URL, json=lodged, headers=as_("los"))).status_code == 200
    warned = samples.detainer(detainer_id="LOS-WARNED", person=samples.person(a_number="A12X"))
    bad_date = samples.detainer(detainer_id="LOS-BAD", person=samples.person(date_of_birth="1990-13-45"))
    body = ndjson(
        samples.detainer(detainer_id="LOS-NEW"),
        warned,
        {**lodged[0], "form": "I-247N"},
        bad_date,
        "{not json",
        *detainers(1, office="NYC"),
        lodged[1],
        {**samples.detainer(detainer_id="LOS-ODD"), 'é\u0001\u007f\u2028😀 "~/\\': 1},
    )

    response = await keyed.post(URL, content=body, headers={**as_("los"), "Content-Type": NDJSON})

    assert response.status_code == 200, response.text
    assert [item["status"] for item in response.json()["results"]] == [
        "created", "created", "conflict", "invalid", "invalid", "forbidden", "unchanged", "invalid"
    ]  # fmt: skip
    results = response.json()["results"]
    assert results[0] == {"index": 0, "detainer_id": "LOS-NEW", "status": "created"}
    assert [w["pointer"] for w in results[1]["warnings"]] == ["#/1/person/a_number"]
    assert results[2] == {
        "index": 2,
        "detainer_id": "LOS-2026-000000",
        "status": "conflict",
        "errors": [{"pointer": "#/2/detainer_id", "detail": "already lodged with a different body"}],
    }
    assert results[6] == {"index": 6, "detainer_id": "LOS-2026-000001", "status": "unchanged"}
    assert [e["pointer"] for e in results[7]["errors"]] == ['#/7/é\u0001\u007f\u2028😀 "~0~1\\']
    as_modelled = DetainerBatchResult.model_validate_json(response.content).model_dump(mode="json", exclude_none=True)
    assert response.content == JSONResponse(as_modelled).body
    assert response.headers["content-type"] == "application/json"

    refused = await keyed.post(URL, json=[bad_date, *detainers(1, office="NYC")], headers=as_("los"))

    items = assert_problem(refused, 422, "validation-error")["results"]
    assert [list(item.items()) for item in items] == [
        list(DetainerBatchItem.model_validate(item).model_dump(exclude_none=True).items()) for item in items
    ]
    assert [item["status"] for item in items] == ["invalid", "forbidden"]
