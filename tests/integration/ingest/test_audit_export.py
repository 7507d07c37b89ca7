"""The audit trail as an operator reads it: filtered by who, what, which object and when; a page of JSON, or the
whole selection exported as NDJSON or CSV that a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contracts import RedisNames
from runtime import RedisClient
from store.audit import AuditTrail
from tests.integration.ingest.support import OFFICE_KEY, OPERATOR_KEY, assert_problem, operators_api, pointers

OPERATOR, OFFICE = OPERATOR_KEY, OFFICE_KEY
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
async def ops(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with operators_api(redis_url) as client:
        yield client


async def _trail(redis_client: RedisClient, entries: list[tuple[int, str, str, str, str]]) -> None:
    """Entries at START + minutes: (minutes, actor, action, target, detail)."""
    for minutes, actor, action, target, detail in entries:
        at = START + timedelta(minutes=minutes)
        trail = AuditTrail(redis_client, RedisNames(), clock=lambda at=at: at)
        await trail.record(actor=actor, action=action, target=target, detail=detail)


TRAIL = [
    (0, "night operator", "dead_letter.replayed", "1-0", "as 9-0"),
    (10, "LOS desk", "detainer.lodged", "LOS/D-1", ""),
    (20, "night operator", "dead_letter.discarded", "2-0", '=HYPERLINK("http://x")'),
    (30, "night operator", "feed_hold.deliver", "CA0194200", "releases were real"),
    (40, "LOS desk", "detainer.lifted", "LOS/D-1", "removed"),
]


async def test_a_filtered_json_page_is_newest_first_and_pages_on(
    ops: httpx.AsyncClient, redis_client: RedisClient
) -> None:
    await _trail(redis_client, TRAIL)

    first = (await ops.get("/v1/ops/audit", params={"actor": "night operator", "limit": 2})).json()
    assert [entry["action"] for entry in first["entries"]] == ["feed_hold.deliver", "dead_letter.discarded"]
    rest = (
        await ops.get("/v1/ops/audit", params={"actor": "night operator", "limit": 2, "before": first["next_before"]})
    ).json()
    assert [entry["action"] for entry in rest["entries"]] == ["dead_letter.replayed"]
    assert rest["next_before"] is None


@pytest.mark.parametrize(
    ("params", "targets"),
    [
        ({"action": "dead_letter"}, ["2-0", "1-0"]),  # a family of actions
        ({"action": "dead_letter.replayed"}, ["1-0"]),
        ({"action": "dead"}, []),  # a family is a whole word
        ({"target": "LOS/D-1"}, ["LOS/D-1", "LOS/D-1"]),
        ({"target": "D-1"}, ["LOS/D-1", "LOS/D-1"]),  # the office's own id for its detainer
        ({"target": "OS/D-1"}, []),
        ({"since": "2026-11-20T08:10:00Z", "until": "2026-11-20T08:30:00Z"}, ["2-0", "LOS/D-1"]),
        ({"since": "2026-11-20T00:25:00-08:00"}, ["LOS/D-1", "CA0194200"]),  # offsets are honoured
        ({"until": "2026-11-20T08:10:00+00:00", "actor": "LOS desk"}, []),
        ({"since": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59Z", "target": "1-0"}, ["1-0"]),
    ],
)
async def test_filters_select_by_action_family_object_and_time(
    ops: httpx.AsyncClient, redis_client: RedisClient, params: dict[str, str], targets: list[str]
) -> None:
    await _trail(redis_client, TRAIL)

    page = (await ops.get("/v1/ops/audit", params=params)).json()

    assert [entry["target"] for entry in page["entries"]] == targets


async def test_csv_export_is_oldest_first_with_a_header_and_formulas_defused(
    ops: httpx.AsyncClient, redis_client: RedisClient
) -> None:
    await _trail(redis_client, TRAIL)

    response = await ops.get("/v1/ops/audit", params={"format": "csv", "actor": "night operator"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "releasewatch-audit.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["action"] for row in rows] == ["dead_letter.replayed", "dead_letter.discarded", "feed_hold.deliver"]
    assert rows[1]["detail"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["at"] == "2026-11-20T08:00:00+00:00"


@pytest.mark.parametrize(
    ("params", "accept"),
    [({"format": "ndjson"}, "text/csv"), ({}, "application/x-ndjson"), ({}, "text/html, application/x-ndjson")],
)
async def test_ndjson_export_by_format_or_accept_holds_every_entry_the_filter_admits(
    ops: httpx.AsyncClient, redis_client: RedisClient, params: dict[str, str], accept: str
) -> None:
    await _trail(
        redis_client, [(minute, "LOS desk", "detainer.lodged", f"LOS/D-{minute}", "") for minute in range(1200)]
    )

    response = await ops.get("/v1/ops/audit", params={**params, "limit": 1}, headers={"Accept": accept})

    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == 1200  # every page of the trail, not one page of `limit`
    assert [line["target"] for line in lines[:2]] == ["LOS/D-0", "LOS/D-1"]


async def test_accept_csv_exports_csv(ops: httpx.AsyncClient, redis_client: RedisClient) -> None:
    await _trail(redis_client, TRAIL[:1])

    response = await ops.get("/v1/ops/audit", headers={"Accept": "text/csv"})

    assert response.text.splitlines()[0] == "id,at,actor,action,target,detail"


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"since": "2026-11-20T09:00:00Z", "until": "2026-11-20T08:00:00Z"}, "#/query/until"),
        ({"since": "2026-11-20T09:00:00"}, "#/query/since"),  # no offset: which time zone is meant?
        ({"until": "0.5"}, "#/query/until"),  # epoch numbers are not times here
        ({"format": "xlsx"}, "#/query/format"),
    ],
)
async def test_a_bad_filter_is_refused_naming_the_parameter(
    ops: httpx.AsyncClient, params: dict[str, str], pointer: str
) -> None:
    problem = assert_problem(await ops.get("/v1/ops/audit", params=params), 422, "validation-error")

    assert pointers(problem) == [pointer]


async def test_a_field_office_cannot_read_the_audit_trail(ops: httpx.AsyncClient) -> None:
    response = await ops.get("/v1/ops/audit", params={"format": "csv"}, headers={"Authorization": f"Bearer {OFFICE}"})

    assert_problem(response, 403, "forbidden")
