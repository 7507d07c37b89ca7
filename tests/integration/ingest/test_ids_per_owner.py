"""Ids belong to the party that made them: an event or roster id to its facility, a detainer id to its
office. The same id from two parties is two things, and nothing one does blocks, reveals or changes the
other's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers, stream_events
from tests.integration.serving import keys_json, serving

KEYS = {
    "county_jail": ("source", None, ("CA0194200",)),
    "city_jail": ("source", None, ("CA0190000",)),
    "los": ("field_office", "LOS", ()),
    "nyc": ("field_office", "NYC", ()),
    "ops": ("operator", None, ()),
}
DETAINERS = "/v1/detainers"


def as_(holder: str) -> dict[str, str]:
    return {"Authorization": f"Bearer rwk_ids_per_owner_{holder}"}


@pytest.fixture
async def api(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    entries = [
        ApiKeyEntry(
            name=holder,
            role=Role(role),
            key_sha256=digest_of(f"rwk_ids_per_owner_{holder}"),
            field_office=office,
            facilities=facilities,
        )
        for holder, (role, office, facilities) in KEYS.items()
    ]
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(entries))
    async with serving(settings) as client:
        yield client


def city_booking(**overrides: Any) -> dict[str, Any]:
    return samples.booking(**{"facility_ori": "CA0190000", "booking_number": "C-77", **overrides})


# --- events and rosters: per facility ---------------------------------------------------------------


async def test_two_facilities_sending_the_same_event_id_both_have_their_event_published(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    county = await api.post("/v1/custody-events", json=samples.booking(), headers=as_("county_jail"))
    city = await api.post("/v1/custody-events", json=city_booking(), headers=as_("city_jail"))

    assert (county.status_code, city.status_code) == (202, 202)
    assert "Idempotent-Replayed" not in city.headers
    assert county.json()["stream_id"] != city.json()["stream_id"]
    published = await stream_events(redis_client, names.custody_events)
    assert [(event["facility_ori"], event["event_id"]) for event in published] == [
        ("CA0194200", "evt-0001"),
        ("CA0190000", "evt-0001"),
    ]


async def test_a_facility_reusing_its_own_event_id_for_another_event_is_still_refused(
    api: httpx.AsyncClient,
) -> None:
    await api.post("/v1/custody-events", json=city_booking(), headers=as_("city_jail"))
    await api.post("/v1/custody-events", json=samples.booking(), headers=as_("county_jail"))

    again = await api.post("/v1/custody-events", json=city_booking(), headers=as_("city_jail"))
    reused = await api.post("/v1/custody-events", json=city_booking(booking_number="C-78"), headers=as_("city_jail"))

    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (202, "true")
    assert pointers(assert_problem(reused, 409, "event-id-conflict")) == ["#/event_id"]


async def test_in_one_batch_two_facilities_event_ids_do_not_collide(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api.post("/v1/custody-events:batch", json=[samples.booking(), city_booking()], headers=as_("ops"))

    assert [item["status"] for item in response.json()["results"]] == ["accepted", "accepted"]
    assert len(await stream_events(redis_client, names.custody_events)) == 2


# --- detainers: per office -----------------------------------------------------------------------------


async def lodge(api: httpx.AsyncClient, office: str, holder: str, **overrides: Any) -> httpx.Response:
    body = samples.detainer(detainer_id="D-2026-1", field_office=office, **overrides)
    return await api.post(DETAINERS, json=body, headers=as_(holder))


async def test_two_offices_lodging_the_same_detainer_id_each_lodge_their_own(api: httpx.AsyncClient) -> None:
    los = await lodge(api, "LOS", "los")
    nyc = await lodge(api, "NYC", "nyc", form="I-247N")

    assert (los.status_code, nyc.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in nyc.headers
    los_view = (await api.get(f"{DETAINERS}/D-2026-1", headers=as_("los"))).json()
    nyc_view = (await api.get(f"{DETAINERS}/D-2026-1", headers=as_("nyc"))).json()
    assert (los_view["field_office"], los_view["form"]) == ("LOS", "I-247A")
    assert (nyc_view["field_office"], nyc_view["form"]) == ("NYC", "I-247N")


async def test_an_office_cannot_tell_whether_another_office_used_an_id(api: httpx.AsyncClient) -> None:
    """The same answers whether or not NYC lodged D-2026-1 first: no probing by 409 against 201."""
    before = await api.get(f"{DETAINERS}/D-2026-1", headers=as_("los"))
    await lodge(api, "NYC", "nyc")
    after = await api.get(f"{DETAINERS}/D-2026-1", headers=as_("los"))
    lodged = await lodge(api, "LOS", "los", form="other")

    assert (before.status_code, after.status_code) == (404, 404)
    assert before.json()["detail"] == after.json()["detail"]
    assert lodged.status_code == 201


async def test_lifting_ones_own_detainer_leaves_another_offices_of_the_same_id_active(
    api: httpx.AsyncClient,
) -> None:
    await lodge(api, "LOS", "los")
    await lodge(api, "NYC", "nyc")

    lifted = await api.post(f"{DETAINERS}/D-2026-1/lift", json={"reason": "cancelled"}, headers=as_("los"))

    assert lifted.json()["status"] == "lifted"
    assert (await api.get(f"{DETAINERS}/D-2026-1", headers=as_("nyc"))).json()["status"] == "active"
    nyc_active = (await api.get(DETAINERS, params={"status": "active"}, headers=as_("nyc"))).json()
    los_active = (await api.get(DETAINERS, params={"status": "active"}, headers=as_("los"))).json()
    assert [(d["field_office"], d["detainer_id"]) for d in nyc_active["detainers"]] == [("NYC", "D-2026-1")]
    assert los_active["detainers"] == []


async def test_an_office_naming_another_office_for_a_detainer_is_refused(api: httpx.AsyncClient) -> None:
    await lodge(api, "NYC", "nyc")

    response = await api.get(f"{DETAINERS}/D-2026-1", params={"field_office": "NYC"}, headers=as_("los"))

    assert pointers(assert_problem(response, 403, "forbidden")) == ["#/query/field_office"]


async def test_an_operator_names_the_office_where_offices_share_an_id(api: httpx.AsyncClient) -> None:
    await lodge(api, "LOS", "los")
    alone = await api.get(f"{DETAINERS}/D-2026-1", headers=as_("ops"))
    await lodge(api, "NYC", "nyc")

    shared = await api.get(f"{DETAINERS}/D-2026-1", headers=as_("ops"))
    named = await api.get(f"{DETAINERS}/D-2026-1", params={"field_office": "NYC"}, headers=as_("ops"))
    lift_shared = await api.post(f"{DETAINERS}/D-2026-1/lift", json={"reason": "other"}, headers=as_("ops"))

    assert alone.json()["field_office"] == "LOS"
    problem = assert_problem(shared, 409, "detainer-id-shared")
    assert problem["field_offices"] == ["LOS", "NYC"]
    assert pointers(problem) == ["#/query/field_office"]
    assert named.json()["field_office"] == "NYC"
    assert_problem(lift_shared, 409, "detainer-id-shared")
    assert (await api.get(f"{DETAINERS}/D-2026-1", params={"field_office": "LOS"}, headers=as_("ops"))).json()[
        "status"
    ] == "active"
