"""Two jails whose systems number events alike, and two field offices that number detainers alike, on
the real processes with API keys: each party's ids are its own, and each office sees exactly its own alerts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingest.auth import ApiKeyEntry, Role, digest_of
from tests import samples
from tests.e2e.conftest import RunningSystem, eventually, start_system
from tests.integration.serving import keys_json

pytestmark = pytest.mark.e2e

COUNTY, CITY = "CA0194200", "CA0190000"
SECRETS = {"county_jail": "rwk_e2e_county", "city_jail": "rwk_e2e_city", "los": "rwk_e2e_los", "nyc": "rwk_e2e_nyc"}
KEYS = [
    ApiKeyEntry(
        name="county jail", role=Role.SOURCE, key_sha256=digest_of(SECRETS["county_jail"]), facilities=(COUNTY,)
    ),
    ApiKeyEntry(name="city jail", role=Role.SOURCE, key_sha256=digest_of(SECRETS["city_jail"]), facilities=(CITY,)),
    ApiKeyEntry(name="LOS", role=Role.FIELD_OFFICE, field_office="LOS", key_sha256=digest_of(SECRETS["los"])),
    ApiKeyEntry(name="NYC", role=Role.FIELD_OFFICE, field_office="NYC", key_sha256=digest_of(SECRETS["nyc"])),
]
OTHER_PERSON = samples.person(
    last_name="NGUYEN", first_name="THANH", middle_name=None, date_of_birth="1978-02-03", aliases=[],
    fbi_number="987654CD1", state_id={"state": "CA", "number": "B7654321"}, a_number="A098765432",
)  # fmt: skip


def as_(holder: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {SECRETS[holder]}"}


@pytest.fixture
def system_with_keys(tmp_path: Path) -> Iterator[RunningSystem]:
    system = start_system(tmp_path, redis_url=None, env_extra={"RW_AUTH": "required", "RW_API_KEYS": keys_json(KEYS)})
    try:
        yield system
    finally:
        system.stop()


def own_alerts(api: httpx.Client, holder: str) -> list[dict[str, Any]]:
    answer = api.get("/v1/alerts", headers=as_(holder))
    assert answer.status_code == 200, answer.text
    alerts: list[dict[str, Any]] = answer.json()["alerts"]
    return alerts


def test_the_same_event_id_from_two_jails_and_detainer_id_from_two_offices_reach_each_office_once(
    system_with_keys: RunningSystem,
) -> None:
    with httpx.Client(base_url=system_with_keys.api, timeout=10) as api:
        los = api.post("/v1/detainers", json=samples.detainer(detainer_id="D-1"), headers=as_("los"))
        nyc = api.post(
            "/v1/detainers",
            json=samples.detainer(detainer_id="D-1", field_office="NYC", person=OTHER_PERSON),
            headers=as_("nyc"),
        )
        assert (los.status_code, nyc.status_code) == (201, 201)

        county = api.post("/v1/custody-events", json=samples.booking(event_id="evt-1"), headers=as_("county_jail"))
        city_booking = samples.booking(event_id="evt-1", facility_ori=CITY, booking_number="C-77", person=OTHER_PERSON)
        city = api.post("/v1/custody-events", json=city_booking, headers=as_("city_jail"))
        assert (county.status_code, city.status_code) == (202, 202)
        assert "Idempotent-Replayed" not in city.headers

        los_alerts = eventually(lambda: own_alerts(api, "los") or None, what="LOS's alert")
        nyc_alerts = eventually(lambda: own_alerts(api, "nyc") or None, what="NYC's alert")
        # Re-sent by each jail: answered as before, and nothing raised again.
        for holder, body in (("county_jail", samples.booking(event_id="evt-1")), ("city_jail", city_booking)):
            assert (
                api.post("/v1/custody-events", json=body, headers=as_(holder)).headers["Idempotent-Replayed"] == "true"
            )

        seen = {
            holder: [(a["kind"], a["detainer_id"], a["facility_ori"], a["event_id"]) for a in alerts]
            for holder, alerts in (("los", los_alerts), ("nyc", nyc_alerts))
        }
        assert seen == {
            "los": [("in_custody", "D-1", COUNTY, "evt-1")],
            "nyc": [("in_custody", "D-1", CITY, "evt-1")],
        }
        assert los_alerts[0]["story_id"] != nyc_alerts[0]["story_id"]
        assert api.get(f"/v1/alerts/{nyc_alerts[0]['alert_id']}", headers=as_("los")).status_code == 404
        assert api.get("/v1/detainers/D-1", headers=as_("los")).json()["field_office"] == "LOS"
        assert api.get("/v1/detainers/D-1", headers=as_("nyc")).json()["person"]["last_name"] == "NGUYEN"
