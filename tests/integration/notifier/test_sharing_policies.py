"""Sharing policies from intake to alerts: nothing a policy withholds reaches the custody stream, the notifier's
state (booking keys, the index by person, the in-custody sets) or any alert; a booking held under `booking: false`
and published with a release notice never raises an in_custody alert."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.settings import IngestSettings
from tests import samples
from tests.integration.notifier.support import IngestApi, NotifierInstance, Outcome, Streams
from tests.policy_samples import STRICT_FACILITY, write_policies

URL = "/v1/custody-events"
MISDEMEANOR = samples.charge(statute="PC 484", description="Petty theft", severity="misdemeanor", ncic_code="2399")


@pytest.fixture
def ingest_settings(redis_url: str, tmp_path: Path) -> IngestSettings:
    return IngestSettings(redis_url=redis_url, log_format="text", auth="off", policies_file=write_policies(tmp_path))


async def keys_of_the_notifier(redis: Redis, names: RedisNames) -> list[str]:
    """Every key the notifier writes about bookings and alerts (booking states, the index by person, the
    facilities' in-custody sets, alerts)."""
    every = [key.decode() async for key in redis.scan_iter(match=names.scan_pattern)]
    notifier_kinds = (":booking:", ":bookings-by-key:", ":in-custody", "{alerts}:alert:", "{alerts}:index")
    return sorted(key for key in every if any(kind in key for kind in notifier_kinds))


async def submit(api: httpx.AsyncClient, *events: dict[str, Any]) -> list[str]:
    statuses = []
    for event in events:
        answer = await api.post(URL, json=event)
        assert answer.status_code == 202, answer.text
        statuses.append(answer.json()["status"])
    return statuses


async def test_what_the_policy_withholds_reaches_no_stream_no_state_and_no_alert(
    api: httpx.AsyncClient,
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await ingest_api.lodge(samples.detainer())  # the person is wanted: any event published would alert
    statuses = await submit(
        api,
        samples.booking(charges=[MISDEMEANOR]),
        samples.release_scheduled(),
        samples.transfer(),
        samples.release(),
    )
    await notifier.catch_up(streams)

    assert statuses == ["withheld"] * 4
    assert await redis_client.xlen(names.custody_events) == 0
    assert await keys_of_the_notifier(redis_client, names) == []
    assert await outcome.booking_if_stored() is None
    assert await outcome.alerts() == []
    assert await outcome.alerts_raised() == []


async def test_a_held_booking_published_with_its_release_notice_never_raises_in_custody(
    api: httpx.AsyncClient,
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await ingest_api.lodge(samples.detainer())
    assert await submit(api, samples.booking()) == ["withheld"]  # a felony, but booking: false
    await notifier.catch_up(streams)
    assert await keys_of_the_notifier(redis_client, names) == []

    assert await submit(api, samples.release_scheduled()) == ["accepted"]
    await notifier.catch_up(streams)
    assert await submit(api, samples.release()) == ["accepted"]
    await notifier.catch_up(streams)

    kinds = await outcome.alert_kinds()
    assert kinds == ["release_scheduled", "released"]
    state = await outcome.booking()
    assert state.in_custody_notice is False
    assert state.person is not None
    assert state.person.place_of_birth is None  # not in the policy's identity fields: stripped, kept nowhere
    assert state.person.state_id is None
    alerts = await outcome.alerts()
    assert all(alert.facility_ori == STRICT_FACILITY for alert in alerts)
    assert '"MX"' not in json.dumps([alert.model_dump(mode="json") for alert in alerts])


async def test_a_detainer_lodged_after_the_held_booking_was_published_raises_no_in_custody_either(
    api: httpx.AsyncClient,
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    await submit(api, samples.booking(), samples.release_scheduled())
    await notifier.catch_up(streams)

    await ingest_api.lodge(samples.detainer())
    await notifier.catch_up(streams)

    assert await outcome.alert_kinds() == ["release_scheduled"]
