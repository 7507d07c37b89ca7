"""`GET /v1/alerts`: the read side of what the notifier writes.

These tests store alerts as the notifier does (``support.store_alerts``): the
record under ``names.alert(id)`` and the id in the four listings of its office
and status, scored by ``raised_at`` in milliseconds.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import (
    Alert,
    AlertStatus,
    RedisNames,
)
from tests.integration.ingest.support import assert_problem, make_alert, pointers, store_alerts

URL = "/v1/alerts"


def ids_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [alert["alert_id"] for alert in response.json()["alerts"]]


@pytest.fixture
async def offices(redis_client: Redis, names: RedisNames) -> None:
    """LOS: al_los_1..4 (al_los_2 acknowledged, al_los_4 resolved); NYC: al_nyc_1..2."""
    await store_alerts(
        redis_client,
        names,
        make_alert("al_los_1", minute=1),
        make_alert("al_los_2", minute=2, status=AlertStatus.ACKNOWLEDGED),
        make_alert("al_los_3", minute=3),
        make_alert("al_los_4", minute=4, status=AlertStatus.RESOLVED),
        make_alert("al_nyc_1", field_office="NYC", minute=5),
        make_alert("al_nyc_2", field_office="NYC", minute=6),
    )


@pytest.mark.usefixtures("offices")
async def test_field_office_sees_only_its_own_alerts_newest_first(api: httpx.AsyncClient) -> None:
    response = await api.get(URL, params={"field_office": "LOS"})

    assert ids_of(response) == ["al_los_4", "al_los_3", "al_los_2", "al_los_1"]
    assert {alert["field_office"] for alert in response.json()["alerts"]} == {"LOS"}
    assert response.json()["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"status": "open"}, ["al_nyc_2", "al_nyc_1", "al_los_3", "al_los_1"], id="open"),
        pytest.param({"field_office": "LOS", "status": "open"}, ["al_los_3", "al_los_1"], id="office-open"),
        pytest.param({"field_office": "LOS", "status": "acknowledged"}, ["al_los_2"], id="office-acknowledged"),
        pytest.param({"status": "resolved"}, ["al_los_4"], id="resolved"),
        pytest.param({"field_office": "NYC", "status": "resolved"}, [], id="nothing-matches"),
        pytest.param({"field_office": "HOU"}, [], id="office-without-alerts"),
    ],
)
@pytest.mark.usefixtures("offices")
async def test_alerts_are_filtered_by_status(
    api: httpx.AsyncClient, query: dict[str, str], expected: list[str]
) -> None:
    response = await api.get(URL, params=query)

    assert ids_of(response) == expected
    assert all(alert["status"] == query.get("status", alert["status"]) for alert in response.json()["alerts"])


async def test_alert_is_read_by_id_as_stored(api: httpx.AsyncClient, redis_client: Redis, names: RedisNames) -> None:
    alert = make_alert("al_4xq7f2m3k5p6r7s8t9v2w3y4z5")
    await store_alerts(redis_client, names, alert)

    response = await api.get(f"{URL}/{alert.alert_id}")

    assert response.status_code == 200
    assert Alert.model_validate_json(response.content) == alert
    body = response.json()
    assert body["kind"] == "in_custody"
    assert body["match"]["decision"] == "match"
    assert body["match"]["fields"] == [{"field": "a_number", "level": "exact", "weight": None}]


async def test_alert_written_by_a_newer_notifier_is_still_served(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    alert = make_alert("al_newer")
    record = alert.model_dump_json()[:-1] + ', "escalated_at": "2026-11-20T17:00:00Z"}'
    await redis_client.set(names.alert("al_newer"), record)

    response = await api.get(f"{URL}/al_newer")

    assert response.status_code == 200
    assert "escalated_at" not in response.json()
    assert response.json()["alert_id"] == "al_newer"


async def test_unknown_alert_is_a_404_problem(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{URL}/al_nothing_here")

    problem = assert_problem(response, 404, "not-found")
    assert "al_nothing_here" in problem["detail"]


async def test_alert_id_with_characters_it_never_has_is_a_422_problem(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{URL}/al.1")

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == ["#/path/alert_id"]


async def test_paging_walks_every_alert_of_an_office_once_newest_first(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    alerts = [make_alert(f"al_{number}", minute=number) for number in range(8)]
    await store_alerts(redis_client, names, *alerts, make_alert("al_other_office", field_office="NYC", minute=3))

    served: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"field_office": "LOS", "limit": 3} | ({"cursor": cursor} if cursor else {})
        response = await api.get(URL, params=params)
        served += ids_of(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert served == [f"al_{number}" for number in reversed(range(8))]


async def test_paging_through_alerts_raised_in_the_same_millisecond_serves_each_once(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    same_moment = [make_alert(f"al_same_{letter}", minute=5) for letter in "abcdefg"]
    await store_alerts(
        redis_client, names, make_alert("al_early", minute=1), *same_moment, make_alert("al_late", minute=9)
    )

    served: list[str] = []
    cursor = None
    for _ in range(10):
        response = await api.get(URL, params={"limit": 2} | ({"cursor": cursor} if cursor else {}))
        served += ids_of(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert sorted(served) == sorted(["al_early", "al_late", *(alert.alert_id for alert in same_moment)])
    assert len(served) == len(set(served))
    assert served[0] == "al_late"
    assert served[-1] == "al_early"


def _cursor(text: bytes) -> str:
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("not a cursor!", id="garbage"),
        pytest.param("%%%%", id="symbols"),
        pytest.param(_cursor(b"no-separator"), id="no-separator"),
        pytest.param(_cursor(b"soon:al_1"), id="score-not-a-number"),
        pytest.param(_cursor(b"\xff\xfe:al_1"), id="not-utf8"),
    ],
)
@pytest.mark.usefixtures("offices")
async def test_cursor_the_api_never_gave_out_is_a_422_problem(api: httpx.AsyncClient, cursor: str) -> None:
    response = await api.get(URL, params={"cursor": cursor})

    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"] == [{"pointer": "#/query/cursor", "detail": "is not a valid cursor"}]


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        pytest.param({"status": "closed"}, "#/query/status", id="status"),
        pytest.param({"field_office": "LOSA"}, "#/query/field_office", id="office"),
        pytest.param({"limit": "many"}, "#/query/limit", id="limit"),
    ],
)
async def test_alert_listing_with_a_bad_query_is_a_422_problem(
    api: httpx.AsyncClient, query: dict[str, str], pointer: str
) -> None:
    response = await api.get(URL, params=query)

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == [pointer]


async def test_no_alerts_is_an_empty_page(api: httpx.AsyncClient) -> None:
    response = await api.get(URL)

    assert response.status_code == 200
    assert response.json() == {"alerts": [], "next_cursor": None}
