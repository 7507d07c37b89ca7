"""Feed health as operators see it: when each facility last sent, silent feeds alarmed, and a surge of
releases holding a facility's alerts until an operator delivers or discards them."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import AlertKind, AlertOutcome, AlertStatus, RedisNames, ReleaseStatus
from contracts.envelope import StreamEntry
from ingest.settings import IngestSettings
from notifier.bootstrap import NotifierOptions, build_parts
from notifier.chores.feed_health import FeedMonitor
from notifier.domain.feeds import FeedPolicy
from notifier.metrics import FEED_ALARMS
from tests import samples
from tests.integration.notifier.support import (
    RETENTION_SECONDS,
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    without_identifiers_but,
)
from tests.integration.serving import served_over_tcp

JAIL = "CA0194200"
OTHER_JAIL = "TX2270000"
POLICY = FeedPolicy(silent_min_seconds=60, silent_max_seconds=3600, surge_min_releases=3, surge_factor=10)
SUBJECTS = [("ALVAREZ", "MARIA", "1981-01-11"), ("BECKER", "JOHN", "1972-02-12"), ("CHAN", "WEI", "1993-03-13")]


class Clock:
    """The notifier's clock, moved by the test (stream entry ids carry the real time of acceptance)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclasses.dataclass
class Watched:
    notifier: NotifierInstance
    monitor: FeedMonitor
    clock: Clock


@pytest.fixture
async def watched(redis_client: Redis, names: RedisNames) -> Watched:
    clock = Clock()
    options = NotifierOptions(booking_retention_seconds=RETENTION_SECONDS, feeds=POLICY, clock=clock)
    parts = build_parts(redis_client, names, options)
    assert parts.feeds is not None
    return Watched(await NotifierInstance.start(parts.ports), parts.feeds, clock)


def subject(index: int, facility: str = JAIL) -> tuple[dict[str, Any], dict[str, Any]]:
    """A detainer and the booking of its subject at ``facility``."""
    last, first, born = SUBJECTS[index]
    person = samples.person(
        last_name=last,
        first_name=first,
        middle_name=None,
        date_of_birth=born,
        aliases=[],
        **without_identifiers_but(a_number=f"A0123456{index:02d}"),
    )
    detainer = samples.detainer(detainer_id=f"LOS-2026-{facility}-{index}", field_office="LOS", person=person)
    booking = samples.booking(
        event_id=f"evt-{facility}-book-{index}",
        facility_ori=facility,
        booking_number=f"2026-{index:06d}",
        person=person,
    )
    return detainer, booking


def release_of(index: int, facility: str = JAIL) -> dict[str, Any]:
    return samples.release(
        event_id=f"evt-{facility}-release-{index}", facility_ori=facility, booking_number=f"2026-{index:06d}"
    )


async def book_all(watched: Watched, streams: Streams, ingest_api: IngestApi, facility: str = JAIL) -> None:
    for index in range(len(SUBJECTS)):
        detainer, booking = subject(index, facility)
        await ingest_api.lodge(detainer)
        await ingest_api.submit(booking)
    await watched.notifier.custody.process(await streams.new_custody_events())


async def feed(api: httpx.AsyncClient, facility: str = JAIL) -> dict[str, Any]:
    answer = await api.get(f"/v1/ops/feeds/{facility}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def released_kinds(kinds: list[str]) -> int:
    return sum(kind == AlertKind.RELEASED.value for kind in kinds)


async def test_operators_see_when_each_facility_last_sent_and_how_much(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient
) -> None:
    await ingest_api.submit(subject(0)[1], subject(1)[1])
    (accepted,) = await ingest_api.submit(subject(2, OTHER_JAIL)[1])
    await watched.notifier.custody.process(await streams.new_custody_events())
    await watched.monitor.check_all()

    answer = await api.get("/v1/ops/feeds")

    assert answer.status_code == 200, answer.text
    feeds = {item["facility_ori"]: item for item in answer.json()["feeds"]}
    assert set(feeds) == {JAIL, OTHER_JAIL}
    assert feeds[JAIL]["entries_last_24h"] == 2
    assert feeds[OTHER_JAIL]["entries_last_24h"] == 1
    assert feeds[JAIL]["status"] == "new"  # minutes of history: no usual rate yet
    accepted_ms = int(accepted.split("-")[0])
    assert datetime.fromisoformat(feeds[OTHER_JAIL]["last_sent_at"]) == datetime.fromtimestamp(accepted_ms / 1000, UTC)


async def test_a_redelivered_batch_counts_once(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient
) -> None:
    await ingest_api.submit(subject(0)[1], subject(1)[1])
    entries = await streams.new_custody_events()
    await watched.notifier.custody.process(entries)
    await watched.notifier.custody.process(entries)
    await watched.monitor.check_all()

    assert (await feed(api))["entries_last_24h"] == 2


async def test_a_feed_quiet_past_its_longest_wait_is_silent_alarmed_once_and_back_when_it_sends(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await ingest_api.submit(subject(0)[1])
    await watched.notifier.custody.process(await streams.new_custody_events())
    await watched.monitor.check_all()
    assert (await feed(api))["status"] == "new"
    alarms_before = FEED_ALARMS.labels(alarm="silent")._value.get()

    watched.clock.advance(POLICY.silent_max_seconds + 1)
    with caplog.at_level(logging.WARNING, logger="notifier.feed_health"):
        await watched.monitor.check_all()
        watched.clock.advance(60)
        await watched.monitor.check_all()  # still silent: not a second alarm

    silent = await feed(api)
    assert silent["status"] == "silent"
    assert "nothing for" in silent["reason"]
    assert silent["alarm_since"] is not None
    assert [record.getMessage() for record in caplog.records].count("feed silent") == 1
    assert FEED_ALARMS.labels(alarm="silent")._value.get() == alarms_before + 1
    listed = (await api.get("/v1/ops/feeds", params={"status": "silent"})).json()["feeds"]
    assert [item["facility_ori"] for item in listed] == [JAIL]

    watched.clock.now = datetime.now(UTC)  # the jail sends again
    await ingest_api.submit(subject(1)[1])
    await watched.notifier.custody.process(await streams.new_custody_events())
    await watched.monitor.check_all()
    assert (await feed(api))["status"] == "new"


async def test_a_surge_of_releases_holds_the_facilitys_alerts_until_an_operator_delivers_them(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await book_all(watched, streams, ingest_api)
    assert sorted(await outcome.alert_kinds()) == ["in_custody"] * 3  # not a surge: sent as usual
    raised_before = len(await outcome.alerts_raised())

    await ingest_api.submit(*(release_of(index) for index in range(3)))
    releases = await streams.new_custody_events()
    report = await watched.notifier.custody.process(releases)
    await watched.notifier.custody.process(releases)  # redelivered: nothing twice
    await watched.monitor.check_all()

    assert len(report.alerts) == 3  # raised and kept ...
    assert released_kinds(await outcome.alert_kinds()) == 0  # ... but no office sees them
    assert len(await outcome.alerts_raised()) == raised_before  # and no channel sends them
    held = await feed(api)
    assert held["status"] == "surge"
    assert held["hold"]["reason"].startswith("3 releases in 1 hour ")
    assert held["releases_in_window"] == 3
    assert sorted(held["held_alert_ids"]) == sorted(alert.alert_id for alert in report.alerts)
    one = await api.get(f"/v1/alerts/{held['held_alert_ids'][0]}")  # operators can read each one
    assert one.status_code == 200
    assert one.json()["kind"] == "released"

    decided = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "deliver", "note": "court order: real"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["hold"]["decision"]["action"] == "deliver"
    again = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "discard", "note": "second thoughts"})
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/no-hold"

    await watched.monitor.check_all()  # carries it out
    await watched.monitor.check_all()  # nothing left: the hold ends
    await watched.monitor.check_all()

    assert released_kinds(await outcome.alert_kinds("LOS")) == 3
    raised = await outcome.alerts_raised()
    assert sorted(message.alert.alert_id for message in raised[raised_before:]) == sorted(
        alert.alert_id for alert in report.alerts
    )  # each sent once
    after = await feed(api)
    assert after["hold"] is None
    assert after["held_alert_ids"] == []
    audit = (await api.get("/v1/ops/audit")).json()["entries"]
    assert (audit[0]["action"], audit[0]["target"], audit[0]["detail"]) == (
        "feed_hold.deliver",
        JAIL,
        "court order: real",
    )


async def test_discarded_held_alerts_are_never_sent_and_other_facilities_are_not_held(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await book_all(watched, streams, ingest_api)
    other_detainer, other_booking = subject(0, OTHER_JAIL)
    other_detainer["person"]["a_number"] = "A099999999"
    other_booking["person"] = {**other_detainer["person"], "last_name": "ZAMORA", "date_of_birth": "1960-06-06"}
    other_detainer["person"] = other_booking["person"]
    await ingest_api.lodge(other_detainer)
    await ingest_api.submit(other_booking)
    await watched.notifier.custody.process(await streams.new_custody_events())
    raised_before = len(await outcome.alerts_raised())

    await ingest_api.submit(*(release_of(index) for index in range(3)), release_of(0, OTHER_JAIL))
    await watched.notifier.custody.process(await streams.new_custody_events())

    released = [alert for alert in await outcome.alerts() if alert.kind is AlertKind.RELEASED]
    assert [alert.facility_ori for alert in released] == [OTHER_JAIL]  # one release there: sent as usual
    decided = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "discard", "note": "bad export"})
    assert decided.status_code == 200, decided.text
    await watched.monitor.check_all()
    await watched.monitor.check_all()

    released = [alert for alert in await outcome.alerts() if alert.kind is AlertKind.RELEASED]
    assert [alert.facility_ori for alert in released] == [OTHER_JAIL]
    assert len(await outcome.alerts_raised()) == raised_before + 1
    after = await feed(api)
    assert (after["hold"], after["held_alert_ids"]) == (None, [])


async def test_a_discard_covers_the_alerts_held_when_the_operator_decided_and_one_held_after_waits_for_a_decision(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await book_all(watched, streams, ingest_api)
    detainer, booking = subject(0)
    person = {**booking["person"], "last_name": "DIAZ", "first_name": "ANA", "a_number": "A012345699"}
    await ingest_api.lodge({**detainer, "detainer_id": "LOS-2026-late", "person": person})
    await ingest_api.submit({**booking, "event_id": "evt-book-late", "booking_number": "2026-000099", "person": person})
    await watched.notifier.custody.process(await streams.new_custody_events())
    await ingest_api.submit(*(release_of(index) for index in range(3)))
    looked_at = (await watched.notifier.custody.process(await streams.new_custody_events())).alerts
    decided = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "discard", "note": "bad export"})
    assert decided.status_code == 200, decided.text

    # Before the next check, the facility reports a release the operator has not seen: it is held too.
    watched.clock.advance(60)
    late_release = samples.release(event_id="evt-release-late", facility_ori=JAIL, booking_number="2026-000099")
    await ingest_api.submit(late_release)
    (late,) = (await watched.notifier.custody.process(await streams.new_custody_events())).alerts
    for _ in range(3):
        await watched.monitor.check_all()

    assert released_kinds(await outcome.alert_kinds("LOS")) == 0  # nothing delivered ...
    after = await feed(api)
    assert after["held_alert_ids"] == [late.alert_id]  # ... and the late release not discarded unseen:
    assert after["hold"] is not None  # it waits for a decision of its own
    assert after["hold"]["decision"] is None
    assert late.alert_id not in {alert.alert_id for alert in looked_at}

    delivered = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "deliver", "note": "real release"})
    assert delivered.status_code == 200, delivered.text
    await watched.monitor.check_all()
    assert [alert.alert_id for alert in await outcome.alerts("LOS") if alert.kind is AlertKind.RELEASED] == [
        late.alert_id
    ]


async def test_a_held_release_whose_detainer_the_office_lifted_meanwhile_is_delivered_closed_and_pages_no_one(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await book_all(watched, streams, ingest_api)
    await ingest_api.submit(*(release_of(index) for index in range(3)))
    await watched.notifier.custody.process(await streams.new_custody_events())
    held = (await feed(api))["held_alert_ids"]
    lifted_id = subject(0)[0]["detainer_id"]
    await ingest_api.lift(lifted_id, reason="no_longer_in_custody")  # the office learnt of it another way
    await watched.notifier.lodges.process(await streams.new_detainer_changes())
    raised_before = len(await outcome.alerts_raised())
    updated_before = len(await outcome.alerts_updated())

    decided = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "deliver", "note": "real"})
    assert decided.status_code == 200, decided.text
    await watched.monitor.check_all()
    await watched.monitor.check_all()

    released = {alert.detainer_id: alert for alert in await outcome.alerts("LOS") if alert.kind is AlertKind.RELEASED}
    assert len(held) == len(released) == 3
    lifted = released.pop(lifted_id)
    assert (lifted.status, lifted.outcome) == (AlertStatus.RESOLVED, AlertOutcome.DETAINER_LIFTED)
    assert lifted.timeline[-1].detail == "detainer lifted: no_longer_in_custody"
    assert {alert.status for alert in released.values()} == {AlertStatus.OPEN}
    sent = [message.alert.detainer_id for message in (await outcome.alerts_raised())[raised_before:]]
    assert sorted(sent) == sorted(released)  # the lifted one paged no office
    assert len(await outcome.alerts_updated()) == updated_before  # nor was any told it closed


async def test_a_schedule_held_with_its_release_is_delivered_closed_and_only_the_release_pages_the_office(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await book_all(watched, streams, ingest_api)
    stranger = samples.booking(
        event_id="evt-stranger", booking_number="2026-000099", person=samples.person(last_name="ZAMORA", a_number=None)
    )
    await ingest_api.submit(stranger)
    await watched.notifier.custody.process(await streams.new_custody_events())
    stranger_released = samples.release(event_id="evt-stranger-out", booking_number="2026-000099")
    await ingest_api.submit(release_of(1), release_of(2), stranger_released)  # a surge: the facility is held
    await watched.notifier.custody.process(await streams.new_custody_events())
    schedule = samples.release_scheduled(event_id=f"evt-{JAIL}-schedule-0", booking_number="2026-000000")
    await ingest_api.submit(schedule)  # held: its countdown reaches no one yet ...
    await watched.notifier.custody.process(await streams.new_custody_events())
    await ingest_api.submit(release_of(0))  # ... and by the time it is delivered, the release ended it
    await watched.notifier.custody.process(await streams.new_custody_events())
    assert len((await feed(api))["held_alert_ids"]) == 4
    raised_before = len(await outcome.alerts_raised())

    decided = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "deliver", "note": "real"})
    assert decided.status_code == 200, decided.text
    await watched.monitor.check_all()
    await watched.monitor.check_all()

    (closed,) = [alert for alert in await outcome.alerts("LOS") if alert.kind is AlertKind.RELEASE_SCHEDULED]
    assert (closed.status, closed.release_status) == (AlertStatus.RESOLVED, ReleaseStatus.RELEASED)
    sent = sorted(message.alert.kind.value for message in (await outcome.alerts_raised())[raised_before:])
    assert sent == ["released"] * 3  # the releases, late; no countdown already over
    assert await outcome.alerts_updated() == []  # and nothing sent to be taken back


async def test_a_roster_that_lost_half_the_jail_holds_the_alerts_of_the_releases_it_implies(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await book_all(watched, streams, ingest_api)
    body = {"roster_id": "roster-bad", "as_of": datetime.now(UTC).isoformat(), "booking_numbers": ["9999-000001"]}
    assert (await api.post(f"/v1/facilities/{JAIL}/roster", json=body)).status_code == 202

    report = await watched.notifier.custody.process(await streams.new_custody_events())

    assert [alert.kind for alert in report.alerts] == [AlertKind.RELEASED] * 3
    assert released_kinds(await outcome.alert_kinds()) == 0
    await watched.monitor.check_all()
    held = await feed(api)
    assert (held["status"], len(held["held_alert_ids"])) == ("surge", 3)


async def test_a_hold_decision_names_what_is_wrong(watched: Watched, api: httpx.AsyncClient) -> None:
    no_hold = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "deliver", "note": "nothing held"})
    assert no_hold.status_code == 409
    assert no_hold.headers["content-type"].startswith("application/problem+json")

    bad = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "shrug", "note": ""})

    assert bad.status_code == 422
    assert {error["pointer"] for error in bad.json()["errors"]} == {"#/action", "#/note"}
    assert (await api.get(f"/v1/ops/feeds/{JAIL}")).status_code == 404  # never sent anything


async def releasewatch(api: str, *args: str) -> tuple[int, str]:
    """The operator's command, as a terminal runs it (the server it talks to runs in this event loop)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "releasewatch",
        *args,
        "--api",
        api,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "250"},
    )
    async with asyncio.timeout(60):
        output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_an_operator_at_a_terminal_sees_the_held_feed_and_delivers_its_alerts(
    watched: Watched, streams: Streams, ingest_api: IngestApi, ingest_settings: IngestSettings, outcome: Outcome
) -> None:
    await book_all(watched, streams, ingest_api)
    await ingest_api.submit(*(release_of(index) for index in range(3)))
    await watched.notifier.custody.process(await streams.new_custody_events())

    async with served_over_tcp(ingest_settings) as served:
        api = str(served.client.base_url)
        code, listing = await releasewatch(api, "feeds", "list")
        assert code == 0, listing
        assert JAIL in listing
        assert "surge" in listing

        code, answer = await releasewatch(api, "feeds", "hold", JAIL, "deliver", "--note", "court-ordered releases")
        assert code == 0, answer
        assert "3 alert(s) held now" in answer

        code, refused = await releasewatch(api, "feeds", "hold", JAIL, "discard", "--note", "too late")
        assert code == 1
        assert "not held" in refused or "decided already" in refused

    await watched.monitor.check_all()
    assert released_kinds(await outcome.alert_kinds("LOS")) == 3


async def test_an_alert_a_batch_in_flight_held_after_the_hold_ended_follows_the_decision(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await book_all(watched, streams, ingest_api)
    await ingest_api.submit(*(release_of(index) for index in range(3)))
    report = await watched.notifier.custody.process(await streams.new_custody_events())
    decided = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "deliver", "note": "real"})
    assert decided.status_code == 200, decided.text
    await watched.monitor.check_all()
    await watched.monitor.check_all()
    assert (await feed(api))["hold"] is None

    # A notifier that read the hold before it ended writes its alert held, after the hold is gone.
    late = report.alerts[0].model_copy(update={"alert_id": "al_late_one"})
    await watched.notifier.ports.alerts.create([late], held_facilities={JAIL})
    assert "al_late_one" not in [alert.alert_id for alert in await outcome.alerts()]
    await watched.monitor.check_all()

    assert "al_late_one" in [alert.alert_id for alert in await outcome.alerts("LOS")]


async def scheduled_then_released_in_a_surge(
    watched: Watched, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> tuple[list[str], list[StreamEntry]]:
    """Three people booked with a release scheduled (sent as usual), then all released in one batch: a surge.
    Returns the release schedules' alert ids and the batch of releases."""
    for index in range(len(SUBJECTS)):
        detainer, booking = subject(index)
        await ingest_api.lodge(detainer)
        schedule = samples.release_scheduled(
            event_id=f"evt-{JAIL}-schedule-{index}", booking_number=f"2026-{index:06d}"
        )
        await ingest_api.submit(booking, schedule)
    await watched.notifier.custody.process(await streams.new_custody_events())
    schedules = [alert.alert_id for alert in await outcome.alerts() if alert.kind is AlertKind.RELEASE_SCHEDULED]
    assert len(schedules) == 3
    await ingest_api.submit(*(release_of(index) for index in range(3)))
    releases = await streams.new_custody_events()
    await watched.notifier.custody.process(releases)
    return schedules, releases


async def release_statuses(outcome: Outcome, alert_ids: list[str]) -> list[str]:
    return sorted(str(alert.release_status) for alert in await outcome.alerts() if alert.alert_id in alert_ids)


async def test_a_surge_of_releases_closes_no_release_schedule_until_an_operator_delivers_it(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    schedules, _ = await scheduled_then_released_in_a_surge(watched, streams, ingest_api, outcome)
    await watched.monitor.check_all()

    assert await release_statuses(outcome, schedules) == ["scheduled"] * 3  # the countdowns stand ...
    assert await outcome.alerts_updated() == []  # ... and no channel hears of the releases

    decided = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "deliver", "note": "real"})
    assert decided.status_code == 200, decided.text
    await watched.monitor.check_all()

    assert await release_statuses(outcome, schedules) == ["released"] * 3
    assert sorted(message.alert.alert_id for message in await outcome.alerts_updated()) == sorted(schedules)


async def test_a_discarded_surge_never_closes_the_release_schedules_it_would_have_released(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    schedules, releases = await scheduled_then_released_in_a_surge(watched, streams, ingest_api, outcome)
    await watched.monitor.check_all()
    decided = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "discard", "note": "bad load"})
    assert decided.status_code == 200, decided.text
    await watched.monitor.check_all()
    await watched.monitor.check_all()  # the hold ends

    await watched.notifier.custody.process(releases)  # the batch redelivered once the facility is held no more

    assert await release_statuses(outcome, schedules) == ["scheduled"] * 3
    assert await outcome.alerts_updated() == []


async def test_a_schedule_stale_on_arrival_during_a_hold_is_delivered_with_the_hold_never_announced(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await book_all(watched, streams, ingest_api)
    newer = samples.release_scheduled(
        event_id="evt-newer",
        occurred_at="2026-11-22T10:00:00-08:00",
        scheduled_release_at="2026-11-26T11:00:00-08:00",
        booking_number="2026-000002",
    )
    await ingest_api.submit(newer)
    await watched.notifier.custody.process(await streams.new_custody_events())
    unknown = samples.release(event_id="evt-unknown-release", booking_number="2026-999999")
    await ingest_api.submit(release_of(0), release_of(1), unknown)  # a surge: the facility's alerts are held
    await watched.notifier.custody.process(await streams.new_custody_events())
    assert (await feed(api))["status"] == "surge"

    older = samples.release_scheduled(event_id="evt-older", booking_number="2026-000002")  # before evt-newer
    await ingest_api.submit(older)
    await watched.notifier.custody.process(await streams.new_custody_events())
    decided = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "deliver", "note": "real"})
    assert decided.status_code == 200, decided.text
    await watched.monitor.check_all()
    await watched.monitor.check_all()

    (stale,) = [alert for alert in await outcome.alerts("LOS") if alert.event_id == "evt-older"]
    assert (stale.status.value, stale.release_status) == ("resolved", "rescheduled")
    raised = [message.alert.alert_id for message in await outcome.alerts_raised()]
    assert stale.alert_id not in raised
    assert stale.alert_id not in [message.alert.alert_id for message in await outcome.alerts_updated()]
    assert released_kinds([message.alert.kind.value for message in await outcome.alerts_raised()]) == 2  # delivered


async def test_held_releases_a_later_roster_withdraws_are_closed_where_they_are_held_and_page_no_one_when_delivered(
    watched: Watched, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    """A roster that lost every booking (a bad export) releases them all by inference, a surge the feed holds; the
    next roster lists them again. The releases did not happen: delivering the hold must page no office about them."""
    await book_all(watched, streams, ingest_api)
    numbers = [subject(index)[1]["booking_number"] for index in range(len(SUBJECTS))]
    # The first subject's release is announced for a time still to come: held, the surge's release closes nothing.
    scheduled = samples.release_scheduled(
        event_id="evt-schedule-0", booking_number=numbers[0], scheduled_release_at="2027-03-01T09:00:00-08:00"
    )
    await ingest_api.submit(scheduled)
    await watched.notifier.custody.process(await streams.new_custody_events())
    lost = {"roster_id": "roster-lost", "as_of": "2026-11-25T06:00:00-08:00", "booking_numbers": ["2026-999999"]}
    assert (await api.post(f"/v1/facilities/{JAIL}/roster", json=lost)).status_code == 202
    await watched.notifier.custody.process(await streams.new_custody_events())
    assert len((await feed(api))["held_alert_ids"]) == 3
    raised_before, updated_before = len(await outcome.alerts_raised()), len(await outcome.alerts_updated())

    listed = {"roster_id": "roster-back", "as_of": "2026-11-25T12:00:00-08:00", "booking_numbers": numbers}
    assert (await api.post(f"/v1/facilities/{JAIL}/roster", json=listed)).status_code == 202
    await watched.notifier.custody.process(await streams.new_custody_events())
    decided = await api.post(f"/v1/ops/feeds/{JAIL}/hold", json={"action": "deliver", "note": "checking"})
    assert decided.status_code == 200, decided.text
    await watched.monitor.check_all()
    await watched.monitor.check_all()

    released = [alert for alert in await outcome.alerts("LOS") if alert.kind is AlertKind.RELEASED]
    assert len(released) == 3
    for alert in released:
        assert (alert.status, alert.outcome) == (AlertStatus.RESOLVED, AlertOutcome.RELEASE_SUPERSEDED)
        assert alert.timeline[-1].what.value == "release_withdrawn"
    assert len(await outcome.alerts_raised()) == raised_before  # no release paged anyone, no countdown twice
    assert len(await outcome.alerts_updated()) == updated_before  # nor a withdrawal of one never announced
    (countdown,) = [alert for alert in await outcome.alerts("LOS") if alert.kind is AlertKind.RELEASE_SCHEDULED]
    assert (countdown.status, countdown.release_status) == (AlertStatus.OPEN, ReleaseStatus.SCHEDULED)
    for number in numbers:
        assert (await outcome.booking(JAIL, number)).in_custody
