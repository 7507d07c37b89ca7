"""Who may do what: sources submit for their facilities, offices see only their own, operators see all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from contracts import Alert, AlertKind, AlertTrigger, MatchDecision, MatchEvidence, RedisNames
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers
from tests.integration.serving import keys_json, serving

KEYS = {
    "county_jail": ("source", None, ("CA0194200",)),
    "any_jail": ("source", None, ()),
    "los": ("field_office", "LOS", ()),
    "nyc": ("field_office", "NYC", ()),
    "ops": ("operator", None, ()),
}


def key_of(holder: str) -> str:
    return f"rwk_test_key_of_{holder}"


def entries() -> list[ApiKeyEntry]:
    return [
        ApiKeyEntry(
            name=holder,
            role=Role(role),
            key_sha256=digest_of(key_of(holder)),
            field_office=office,
            facilities=facilities,
        )
        for holder, (role, office, facilities) in KEYS.items()
    ]


@pytest.fixture
async def app_with_keys(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(entries()))
    async with serving(settings) as client:
        yield client


def as_(holder: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_of(holder)}"}


async def store_alert(redis_client: Redis, names: RedisNames, alert_id: str, office: str) -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    alert = Alert(
        alert_id=alert_id,
        kind=AlertKind.IN_CUSTODY,
        field_office=office,
        detainer_id=f"{office}-1",
        facility_ori="CA0194200",
        booking_number="2026-004512",
        raised_at=now,
        occurred_at=now,
        trigger=AlertTrigger.CUSTODY_EVENT,
        match=MatchEvidence(decision=MatchDecision.MATCH, rule="identifier"),
    )
    await redis_client.set(names.alert(alert_id), alert.model_dump_json())
    for listing in names.listings("alerts", office, "open"):
        await redis_client.zadd(listing, {alert_id: now.timestamp() * 1000})


# --- who you are ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}],
    ids=["no-key", "unknown-key", "other-scheme", "empty-key"],
)
async def test_a_call_without_a_known_key_is_a_401_problem_and_publishes_nothing(
    app_with_keys: httpx.AsyncClient, headers: dict[str, str], redis_client: Redis, names: RedisNames
) -> None:
    response = await app_with_keys.post("/v1/custody-events", json=samples.booking(), headers=headers)

    assert_problem(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert await redis_client.xlen(names.custody_events) == 0


async def test_health_and_the_api_description_need_no_key(app_with_keys: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/readyz", "/openapi.json", "/metrics", "/problems/forbidden"):
        assert (await app_with_keys.get(path)).status_code == 200, path


# --- sources ---------------------------------------------------------------------------------


async def test_a_source_submits_for_its_own_facility(app_with_keys: httpx.AsyncClient) -> None:
    response = await app_with_keys.post("/v1/custody-events", json=samples.booking(), headers=as_("county_jail"))

    assert response.status_code == 202


async def test_a_source_may_not_submit_for_another_facility(
    app_with_keys: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    event = samples.booking(facility_ori="NV0020000")

    response = await app_with_keys.post("/v1/custody-events", json=event, headers=as_("county_jail"))

    problem = assert_problem(response, 403, "forbidden")
    assert pointers(problem) == ["#/facility_ori"]
    assert await redis_client.xlen(names.custody_events) == 0


async def test_a_source_without_listed_facilities_submits_for_any(app_with_keys: httpx.AsyncClient) -> None:
    event = samples.booking(facility_ori="NV0020000")

    assert (await app_with_keys.post("/v1/custody-events", json=event, headers=as_("any_jail"))).status_code == 202


async def test_a_batch_keeps_a_sources_own_events_and_refuses_the_others_by_index(
    app_with_keys: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    batch = [samples.booking(), samples.booking(event_id="evt-nv", facility_ori="NV0020000")]

    response = await app_with_keys.post("/v1/custody-events:batch", json=batch, headers=as_("county_jail"))

    result = response.json()
    assert response.status_code == 202
    assert [item["status"] for item in result["results"]] == ["accepted", "forbidden"]
    assert result["results"][1]["errors"][0]["pointer"] == "#/1/facility_ori"
    assert await redis_client.xlen(names.custody_events) == 1


async def test_a_source_may_not_lodge_detainers_or_read_alerts(app_with_keys: httpx.AsyncClient) -> None:
    lodge = await app_with_keys.post("/v1/detainers", json=samples.detainer(), headers=as_("county_jail"))
    read = await app_with_keys.get("/v1/alerts", headers=as_("county_jail"))

    assert_problem(lodge, 403, "forbidden")
    assert_problem(read, 403, "forbidden")


# --- field offices ---------------------------------------------------------------------------


async def test_a_field_office_may_not_submit_custody_events(app_with_keys: httpx.AsyncClient) -> None:
    response = await app_with_keys.post("/v1/custody-events", json=samples.booking(), headers=as_("los"))

    assert_problem(response, 403, "forbidden")


async def test_a_field_office_lodges_for_itself_only(app_with_keys: httpx.AsyncClient) -> None:
    own = await app_with_keys.post("/v1/detainers", json=samples.detainer(), headers=as_("los"))
    other = await app_with_keys.post(
        "/v1/detainers", json=samples.detainer(detainer_id="NYC-1", field_office="NYC"), headers=as_("los")
    )

    assert own.status_code == 201
    assert pointers(assert_problem(other, 403, "forbidden")) == ["#/field_office"]


async def test_another_offices_detainer_is_invisible_to_a_field_office_and_cannot_be_lifted(
    app_with_keys: httpx.AsyncClient,
) -> None:
    await app_with_keys.post("/v1/detainers", json=samples.detainer(), headers=as_("los"))

    read = await app_with_keys.get("/v1/detainers/LOS-2026-000871", headers=as_("nyc"))
    lift = await app_with_keys.post(
        "/v1/detainers/LOS-2026-000871/lift", json={"reason": "cancelled"}, headers=as_("nyc")
    )
    listed = (await app_with_keys.get("/v1/detainers", headers=as_("nyc"))).json()["detainers"]
    still = (await app_with_keys.get("/v1/detainers/LOS-2026-000871", headers=as_("los"))).json()

    assert_problem(read, 404, "not-found")
    assert_problem(lift, 404, "not-found")
    assert listed == []
    assert still["status"] == "active"


async def test_a_field_office_sees_only_its_own_alerts_however_it_asks(
    app_with_keys: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await store_alert(redis_client, names, "al_los", "LOS")
    await store_alert(redis_client, names, "al_nyc", "NYC")

    listed = (await app_with_keys.get("/v1/alerts", headers=as_("los"))).json()["alerts"]
    other = await app_with_keys.get("/v1/alerts", params={"field_office": "NYC"}, headers=as_("los"))
    one = await app_with_keys.get("/v1/alerts/al_nyc", headers=as_("los"))

    assert [alert["alert_id"] for alert in listed] == ["al_los"]
    assert pointers(assert_problem(other, 403, "forbidden")) == ["#/query/field_office"]
    assert_problem(one, 404, "not-found")


# --- operators -------------------------------------------------------------------------------


async def test_an_operator_sees_every_office(
    app_with_keys: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await store_alert(redis_client, names, "al_los", "LOS")
    await store_alert(redis_client, names, "al_nyc", "NYC")

    listed = (await app_with_keys.get("/v1/alerts", headers=as_("ops"))).json()["alerts"]
    narrowed = (await app_with_keys.get("/v1/alerts", params={"field_office": "NYC"}, headers=as_("ops"))).json()

    assert sorted(alert["alert_id"] for alert in listed) == ["al_los", "al_nyc"]
    assert [alert["alert_id"] for alert in narrowed["alerts"]] == ["al_nyc"]


# --- configuration ---------------------------------------------------------------------------


async def test_keys_can_come_from_a_file(redis_url: str, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(keys_json(entries()))
    async with serving(IngestSettings(redis_url=redis_url, log_format="text", api_keys_file=keys_file)) as client:
        response = await client.get("/v1/alerts", headers=as_("ops"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "x", "role": "field_office", "key_sha256": "0" * 64},
        {"name": "x", "role": "source", "key_sha256": "0" * 64, "field_office": "LOS"},
        {"name": "x", "role": "operator", "key_sha256": "0" * 64, "facilities": ["CA0194200"]},
        {"name": "x", "role": "operator", "key_sha256": "not-a-digest"},
    ],
    ids=["office-key-without-office", "source-with-office", "operator-with-facilities", "key-in-clear"],
)
def test_a_malformed_key_entry_is_refused_at_start(entry: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="validation error"):
        ApiKeyEntry.model_validate(entry)
