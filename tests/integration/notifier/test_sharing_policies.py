"""Sharing policies from intake to alerts: nothing a policy withholds reaches the custody stream, the notifier's
state (booking keys, the index by person, the in-custody sets) or any alert; a booking held under `booking: false`
and published with a release notice never raises an in_custody alert."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.settings import IngestSettings
from policies.enforcement import PolicyEnforcement
from releasewatch.redis_server import free_port
from store.audit import AuditTrail
from tests import samples
from tests.integration.notifier.support import IngestApi, NotifierInstance, Outcome, Streams, build_ports
from tests.policy_samples import (
    BAD_LINE,
    BAD_POLICIES,
    COUNTY_FACILITY,
    ONE_POLICY,
    POLICIES,
    STRICT_FACILITY,
    sha256_of,
    write_policies,
)

URL = "/v1/custody-events"
MISDEMEANOR = samples.charge(statute="PC 484", description="Petty theft", severity="misdemeanor", ncic_code="2399")


@pytest.fixture
def policies_file(tmp_path: Path) -> Path:
    return write_policies(tmp_path)


@pytest.fixture
def ingest_settings(redis_url: str, policies_file: Path) -> IngestSettings:
    return IngestSettings(redis_url=redis_url, log_format="text", auth="off", policies_file=policies_file)


@pytest.fixture
async def notifier(redis_client: Redis, names: RedisNames, policies_file: Path) -> NotifierInstance:
    """A notifier that loaded the same policy file as ingest."""
    policies = PolicyEnforcement(policies_file, actor="notifier")
    policies.load()
    return await NotifierInstance.start(build_ports(redis_client, names, policies=policies))


async def keys_of_the_notifier(redis: Redis, names: RedisNames) -> list[str]:
    """Every key the notifier writes about bookings and alerts (booking states, the index by person, the
    facilities' in-custody sets, alerts)."""
    every = [key.decode() async for key in redis.scan_iter(match=names.scan_pattern)]
    notifier_kinds = (":booking:", ":booking-index:", ":in-custody", "{alerts}:alert:", "{alerts}:index")
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
    # Each a policy action in the audit trail: the event and the rule, never the person.
    entries = (await api.get("/v1/ops/audit", params={"action": "event.withheld"})).json()["entries"]
    assert sorted(entry["target"] for entry in entries) == sorted(
        f"CA0194200/{event_id}" for event_id in ("evt-0001", "evt-0003", "evt-0005", "evt-0006")
    )
    assert all(entry["actor"] == "ingest" and "GARCIA" not in entry["detail"] for entry in entries)
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


async def test_no_alert_for_a_detainer_the_facilitys_policy_does_not_answer(
    api: httpx.AsyncClient,
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    """The county answers only detainers backed by a judicial warrant; the strict facility only I-247A and
    I-247N. The same person, wanted by three detainers."""
    warrant = {"court": "U.S. District Court, C.D. Cal.", "reference": "2:26-mj-01234"}
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-PLAIN"))
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-WARRANT", judicial_warrant=warrant))
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-OTHER-FORM", form="other", judicial_warrant=warrant))
    await notifier.catch_up(streams)

    await submit(api, samples.booking(facility_ori=COUNTY_FACILITY, booking_number="C-1", event_id="evt-c1"))
    await submit(api, samples.booking(), samples.release_scheduled())  # the strict facility: a felony
    await notifier.catch_up(streams)

    alerts = {(alert.facility_ori, alert.detainer_id, alert.kind.value) for alert in await outcome.alerts()}
    assert alerts == {
        (COUNTY_FACILITY, "LOS-WARRANT", "in_custody"),
        (COUNTY_FACILITY, "LOS-OTHER-FORM", "in_custody"),
        (STRICT_FACILITY, "LOS-PLAIN", "release_scheduled"),
        (STRICT_FACILITY, "LOS-WARRANT", "release_scheduled"),
    }


async def test_a_rosters_inferred_release_follows_the_release_rule(
    api: httpx.AsyncClient,
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    """Released only for felonies at the strict facility: the felony was corrected to a misdemeanor, then the
    roster left the person out. No released alert, and the release schedule is not closed as released."""
    await ingest_api.lodge(samples.detainer())
    await submit(api, samples.booking(), samples.release_scheduled(), samples.booking_updated())  # misdemeanor now
    await notifier.catch_up(streams)
    roster = {"roster_id": "roster-0600", "as_of": "2026-11-25T06:00:00-08:00", "booking_numbers": ["2026-000001"]}

    answer = await api.post(f"/v1/facilities/{STRICT_FACILITY}/roster", json=roster)
    await notifier.catch_up(streams)

    assert answer.status_code == 202, answer.text
    state = await outcome.booking()
    assert state.released_at is not None  # the notifier knows it left: no longer in custody there
    assert state.release_withheld_by == f"{STRICT_FACILITY} share.release"
    (alert,) = await outcome.alerts()
    assert alert.kind.value == "release_scheduled"
    assert alert.release_status is not None
    assert alert.release_status.value == "scheduled"


async def test_without_the_correction_the_inferred_release_is_told(
    api: httpx.AsyncClient,
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    await ingest_api.lodge(samples.detainer())
    await submit(api, samples.booking(), samples.release_scheduled())  # still a felony
    await notifier.catch_up(streams)
    roster = {"roster_id": "roster-0600", "as_of": "2026-11-25T06:00:00-08:00", "booking_numbers": ["2026-000001"]}

    await api.post(f"/v1/facilities/{STRICT_FACILITY}/roster", json=roster)
    await notifier.catch_up(streams)

    assert await outcome.alert_kinds() == ["release_scheduled", "released"]


async def test_a_release_withheld_after_the_booking_was_shared_stays_withheld_when_a_roster_implies_it(
    api: httpx.AsyncClient,
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    """The county shares everything but juveniles'. The booking of an adult is shared (the office told he is in
    custody); the jail corrects his birth date to a juvenile's: that correction, and his release, are withheld, and
    the notifier never learns of either. A roster then leaves him out: the release it implies is his withheld
    release, judged on what intake knows of him, and the office hears nothing of it."""
    warrant = {"court": "U.S. District Court, C.D. Cal.", "reference": "2:26-mj-01234"}
    await ingest_api.lodge(samples.detainer(judicial_warrant=warrant))  # (the county answers warrants only)
    at_county = {"facility_ori": COUNTY_FACILITY}
    juvenile = samples.person(date_of_birth="2010-03-01")
    assert await submit(api, samples.booking(**at_county)) == ["accepted"]
    await notifier.catch_up(streams)
    assert await outcome.alert_kinds() == ["in_custody"]
    corrected = samples.booking_updated(person=juvenile, **at_county)
    assert await submit(api, corrected, samples.release(**at_county)) == ["withheld", "withheld"]
    roster = {"roster_id": "roster-0600", "as_of": "2026-11-25T06:00:00-08:00", "booking_numbers": ["2026-000001"]}

    answer = await api.post(f"/v1/facilities/{COUNTY_FACILITY}/roster", json=roster)
    await notifier.catch_up(streams)

    assert answer.status_code == 202, answer.text
    assert await outcome.alert_kinds() == ["in_custody"]  # no released alert: not by the roster either
    state = await outcome.booking(COUNTY_FACILITY)
    assert state.release_withheld_by is not None
    assert state.release_withheld_by.startswith("CA019 never_share")
    published = [fields for _, fields in await redis_client.xrange(names.custody_events)]
    assert all(b"2010-03-01" not in fields[b"__data__"] for fields in published)  # the correction stayed at intake

    again = await api.post(f"/v1/facilities/{COUNTY_FACILITY}/roster", json=roster)
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (202, "true")


async def test_a_roster_listing_a_booking_the_policy_holds_reports_no_unknown_booking(
    api: httpx.AsyncClient, notifier: NotifierInstance, streams: Streams
) -> None:
    """The strict facility shares no in-custody notice: its bookings are held at intake, never published. Its
    roster lists them, as it should; the notifier, which cannot know them, is not to count them as unknown."""
    assert await submit(api, samples.booking(charges=[MISDEMEANOR])) == ["withheld"]
    roster = {"roster_id": "roster-0600", "as_of": "2026-11-25T06:00:00-08:00", "booking_numbers": ["2026-004512"]}

    answer = await api.post(f"/v1/facilities/{STRICT_FACILITY}/roster", json=roster)
    await notifier.catch_up(streams)

    assert answer.status_code == 202, answer.text
    report = (await api.get(f"/v1/ops/rosters/{STRICT_FACILITY}")).json()
    assert (report["listed"], report["unknown"], report["unknown_booking_numbers"]) == (1, 0, [])


def test_the_notifier_refuses_to_start_on_a_bad_policy_file_naming_its_line(tmp_path: Path) -> None:
    bad = write_policies(tmp_path, BAD_POLICIES)
    env = {key: value for key, value in os.environ.items() if not key.startswith("RW_") and key != "REDIS_URL"}
    env.update({"REDIS_URL": "redis://127.0.0.1:1/0", "RW_LOG_FORMAT": "text", "RW_POLICIES_FILE": str(bad)})

    started = subprocess.run(
        [sys.executable, "-m", "notifier"], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert started.returncode != 0
    assert "notifier will not start" in started.stderr
    assert f"line {BAD_LINE}:" in started.stderr
    assert "Traceback" not in started.stderr


async def test_each_notifier_puts_the_policy_file_it_enforces_in_the_audit_trail_and_reloads_it_on_sighup(
    redis_url: str, redis_client: Redis, names: RedisNames, tmp_path: Path
) -> None:
    """A real `python -m notifier`, told SIGHUP as an operator would: an operator reading the trail sees which file
    each notifier enforces, and one left on an older file (a bad reload) shows as such."""
    path = write_policies(tmp_path)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("RW_") and key != "REDIS_URL"}
    env.update(
        {
            "REDIS_URL": redis_url,
            "RW_LOG_FORMAT": "text",
            "RW_POLICIES_FILE": str(path),
            "RW_HEALTH_PORT": str(port),
            "RW_CONSUMER_NAME": "notifier-a",
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "notifier",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )

    async def policy_entries() -> list[tuple[str, str, str, str]]:
        entries, _ = await AuditTrail(redis_client, names).newest(limit=100, before=None)
        return [(e.actor, e.action, e.target, e.detail) for e in reversed(entries) if e.action.startswith("policies.")]

    async def until_entries(count: int) -> list[tuple[str, str, str, str]]:
        async with asyncio.timeout(30):
            while len(entries := await policy_entries()) < count:
                assert process.returncode is None, "the notifier stopped"
                await asyncio.sleep(0.1)
        return entries

    try:
        await until_entries(1)
        write_policies(tmp_path, ONE_POLICY)
        process.send_signal(signal.SIGHUP)
        await until_entries(2)
        write_policies(tmp_path, BAD_POLICIES)
        process.send_signal(signal.SIGHUP)
        entries = await until_entries(3)
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            _, stderr = await process.communicate()

    assert [(actor, action, target) for actor, action, target, _ in entries] == [
        ("notifier notifier-a", "policies.loaded", sha256_of(POLICIES)),
        ("notifier notifier-a", "policies.reloaded", sha256_of(ONE_POLICY)),
        ("notifier notifier-a", "policies.refused", sha256_of(ONE_POLICY)),  # the file still in force
    ]
    assert f"before: {sha256_of(POLICIES)}" in entries[1][3]
    assert f"line {BAD_LINE}:" in entries[2][3]
    assert "NOT reloaded" in stderr.decode()
