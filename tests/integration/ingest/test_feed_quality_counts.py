"""Intake counts each facility's refused and late events per day, and the outcome report shows them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from runtime.clock import utc_now
from tests import samples
from tests.integration.serving import keys_json, serving


async def _feed_quality(api: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    today = utc_now().date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    response = await api.get("/v1/reports/outcomes", params=period)
    assert response.status_code == 200, response.text
    return {row["facility_ori"]: row["feed"] for row in response.json()["facilities"]}


async def test_refused_and_late_events_count_for_the_facility_they_name(api: httpx.AsyncClient) -> None:
    long_ago = (utc_now() - timedelta(days=3)).isoformat()
    just_now = (utc_now() - timedelta(minutes=5)).isoformat()
    refused = samples.booking(event_id="e-1", facility_ori="TX2270000", occurred_at="yesterday")
    assert (await api.post("/v1/custody-events", json=refused)).status_code == 422
    late = samples.booking(event_id="e-2", facility_ori="TX2270000", occurred_at=long_ago)
    assert (await api.post("/v1/custody-events", json=late)).status_code == 202
    assert (await api.post("/v1/custody-events", json=late)).status_code == 202  # a retry: counted once
    on_time = samples.booking(event_id="e-3", facility_ori="TX2270000", occurred_at=just_now)
    assert (await api.post("/v1/custody-events", json=on_time)).status_code == 202
    batch = [
        samples.booking(event_id="b-1", facility_ori="CA0194200", occurred_at=long_ago),
        samples.booking(event_id="b-2", facility_ori="CA0194200", person={"first_name": "ANA"}),
        samples.booking(event_id="b-3", facility_ori="CA0194200", occurred_at=just_now),
        {"event_id": "b-4", "type": "booking"},  # names no facility: counts nowhere
    ]
    assert (await api.post("/v1/custody-events:batch", json=batch)).status_code == 202

    feeds = await _feed_quality(api)

    assert sorted(feeds) == ["CA0194200", "TX2270000"]
    assert (feeds["TX2270000"]["events_rejected"], feeds["TX2270000"]["events_accepted_late"]) == (1, 1)
    assert (feeds["CA0194200"]["events_rejected"], feeds["CA0194200"]["events_accepted_late"]) == (1, 1)


async def test_a_source_cannot_count_refusals_against_a_facility_it_does_not_submit_for(redis_url: str) -> None:
    entries = [
        ApiKeyEntry(name="county jail", role=Role.SOURCE, key_sha256=digest_of("rwk_jail"), facilities=("CA0194200",)),
        ApiKeyEntry(name="ops", role=Role.OPERATOR, key_sha256=digest_of("rwk_ops")),
    ]
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(entries))
    async with serving(settings) as api:
        jail = {"Authorization": "Bearer rwk_jail"}
        for ori in ("CA0194200", "TX2270000"):
            bad = samples.booking(event_id=f"e-{ori}", facility_ori=ori, occurred_at="yesterday")
            assert (await api.post("/v1/custody-events", json=bad, headers=jail)).status_code == 422
        api.headers["Authorization"] = "Bearer rwk_ops"
        feeds = await _feed_quality(api)

    assert {ori: feed["events_rejected"] for ori, feed in feeds.items()} == {"CA0194200": 1}
