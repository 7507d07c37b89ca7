"""Rosters reconciled: a booking in custody by our state but missing from its facility's roster is released
once, by inference, with the alerts a reported release raises; unknown booking numbers reach operators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import Alert, AlertKind, AlertTrigger, RedisNames, ReleaseReason, ReleaseStatus
from tests import samples
from tests.integration.notifier.support import (
    BOOKING_NUMBER,
    FACILITY,
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    without_identifiers_but,
)

HOU_DETAINER = samples.detainer(
    detainer_id="HOU-2026-000042",
    field_office="HOU",
    person=samples.person(**without_identifiers_but(a_number="A012345678")),
)
OTHERS = ("2026-004513", "2026-004514")  # booked beside the subject, nobody's detainer subjects
AS_OF = "2026-11-25T06:00:00-08:00"


def other_booking(number: str, index: int, **overrides: Any) -> dict[str, Any]:
    return samples.booking(
        event_id=f"evt-other-{index}",
        booking_number=number,
        person=samples.person(
            last_name="NAKAMURA",
            first_name=f"KENJI{'I' * index}",
            date_of_birth=f"197{index}-02-0{index + 1}",
            middle_name=None,
            aliases=[],
            place_of_birth="JP",
            **without_identifiers_but(),
        ),
        **overrides,
    )


def roster(*numbers: str, roster_id: str = "roster-0600", as_of: str = AS_OF) -> dict[str, Any]:
    return {"roster_id": roster_id, "as_of": as_of, "booking_numbers": list(numbers)}


async def send_roster(api: httpx.AsyncClient, body: dict[str, Any], facility: str = FACILITY) -> httpx.Response:
    response = await api.post(f"/v1/facilities/{facility}/roster", json=body)
    assert response.status_code == 202, response.text
    return response


@pytest.fixture
async def three_in_custody(notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi) -> None:
    """The detainer's subject and two others, booked at the facility and processed."""
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(samples.booking(), *(other_booking(n, i + 1) for i, n in enumerate(OTHERS)))
    await notifier.custody.process(await streams.new_custody_events())


@pytest.mark.usefixtures("three_in_custody")
async def test_a_roster_omitting_the_detainers_subject_releases_it_with_one_inferred_released_alert(
    notifier: NotifierInstance, streams: Streams, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await send_roster(api, roster(*OTHERS))

    report = await notifier.custody.process(await streams.new_custody_events())

    (released,) = report.alerts
    assert released.kind is AlertKind.RELEASED
    assert released.field_office == "HOU"
    assert (released.facility_ori, released.booking_number) == (FACILITY, BOOKING_NUMBER)
    assert released.release_reason is ReleaseReason.INFERRED_FROM_ROSTER
    assert released.released_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    assert released.trigger is AlertTrigger.ROSTER
    assert released.event_id == "roster-0600"
    assert released.released_without_notice is True
    assert await outcome.alert_kinds("HOU") == ["in_custody", "released"]
    state = await outcome.booking()
    assert not state.in_custody
    assert state.release_reason is ReleaseReason.INFERRED_FROM_ROSTER
    for number in OTHERS:
        assert (await outcome.booking(booking_number=number)).in_custody


@pytest.mark.usefixtures("three_in_custody")
async def test_a_roster_sent_three_times_and_redelivered_infers_the_release_once(
    notifier: NotifierInstance, streams: Streams, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    answers = [await send_roster(api, roster(*OTHERS)) for _ in range(3)]
    entries = await streams.new_custody_events()
    first = await notifier.custody.process(entries)

    redelivered = await notifier.custody.process(entries)
    later = await notifier.custody.process(await streams.new_custody_events())

    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
    assert len(entries) == 1
    assert [alert.kind for alert in first.alerts] == [AlertKind.RELEASED]
    assert redelivered.alerts == []
    assert later.alerts == []
    assert await outcome.alert_kinds() == ["in_custody", "released"]
    assert [raised.alert.kind for raised in await outcome.alerts_raised()] == ["in_custody", "released"]


@pytest.mark.usefixtures("three_in_custody")
async def test_a_new_roster_still_omitting_a_released_booking_raises_nothing_new(
    notifier: NotifierInstance, streams: Streams, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await send_roster(api, roster(*OTHERS))
    await notifier.custody.process(await streams.new_custody_events())

    await send_roster(api, roster(*OTHERS, roster_id="roster-1200", as_of="2026-11-25T12:00:00-08:00"))
    again = await notifier.custody.process(await streams.new_custody_events())

    assert again.alerts == []
    assert await outcome.alert_kinds() == ["in_custody", "released"]
    assert (await outcome.booking()).released_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


@pytest.mark.usefixtures("three_in_custody")
async def test_a_redelivery_after_a_crash_between_the_release_and_its_alert_raises_the_alert_once(
    notifier: NotifierInstance,
    streams: Streams,
    api: httpx.AsyncClient,
    outcome: Outcome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await send_roster(api, roster(*OTHERS))
    entries = await streams.new_custody_events()

    async def crash(alerts: list[Alert], **_: object) -> list[Alert]:
        if alerts:
            raise ConnectionError("redis went away")
        return []

    with monkeypatch.context() as patch:
        patch.setattr(notifier.ports.alerts, "create", crash)
        with pytest.raises(ConnectionError):
            await notifier.custody.process(entries)
    assert not (await outcome.booking()).in_custody  # the release was saved before the crash
    assert await outcome.alert_kinds() == ["in_custody"]

    redelivered = await notifier.custody.process(entries)

    assert [alert.kind for alert in redelivered.alerts] == [AlertKind.RELEASED]
    assert await outcome.alert_kinds() == ["in_custody", "released"]


async def test_a_booking_booked_after_the_roster_was_drawn_up_is_not_released_by_it(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(samples.booking(occurred_at="2026-11-25T07:00:00-08:00"), other_booking(OTHERS[0], 1))
    await notifier.custody.process(await streams.new_custody_events())

    await send_roster(api, roster(OTHERS[0]))  # as of 06:00: an hour before the subject was booked
    report = await notifier.custody.process(await streams.new_custody_events())

    assert report.alerts == []
    assert (await outcome.booking()).in_custody
    assert await outcome.alert_kinds() == ["in_custody"]


async def test_a_roster_and_the_events_before_it_in_one_batch_are_judged_together(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(samples.booking(), other_booking(OTHERS[0], 1))
    await send_roster(api, roster(OTHERS[0]))

    report = await notifier.custody.process(await streams.new_custody_events())

    assert sorted(alert.kind for alert in report.alerts) == ["in_custody", "released"]
    assert (await outcome.booking()).release_reason is ReleaseReason.INFERRED_FROM_ROSTER


@pytest.mark.usefixtures("three_in_custody")
async def test_a_reported_release_is_never_replaced_by_an_inferred_one(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await ingest_api.submit(samples.release(occurred_at="2026-11-24T09:05:00-08:00"))
    await send_roster(api, roster(*OTHERS))

    await notifier.custody.process(await streams.new_custody_events())

    (released,) = [alert for alert in await outcome.alerts() if alert.kind is AlertKind.RELEASED]
    assert released.release_reason is ReleaseReason.BAIL_POSTED
    assert (await outcome.booking()).release_reason is ReleaseReason.BAIL_POSTED


@pytest.mark.usefixtures("three_in_custody")
async def test_the_operator_sees_the_latest_roster_report_with_unknown_booking_numbers(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient
) -> None:
    await ingest_api.submit(samples.release(booking_number=OTHERS[1], event_id="evt-left"))
    await send_roster(api, roster(OTHERS[0], OTHERS[1], "2026-009999", "2026-009998"))
    await notifier.custody.process(await streams.new_custody_events())

    response = await api.get(f"/v1/ops/rosters/{FACILITY}")

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["roster_id"] == "roster-0600"
    assert report["facility_ori"] == FACILITY
    assert report["as_of"] == AS_OF  # as the source sent it
    assert report["listed"] == 4
    assert (report["released"], report["released_booking_numbers"]) == (1, [BOOKING_NUMBER])
    assert (report["unknown"], report["unknown_booking_numbers"]) == (2, ["2026-009998", "2026-009999"])
    assert (report["listed_after_leaving"], report["listed_after_leaving_booking_numbers"]) == (1, [OTHERS[1]])


@pytest.mark.usefixtures("three_in_custody")
async def test_a_redelivered_or_older_roster_leaves_the_latest_report_in_place(
    notifier: NotifierInstance, streams: Streams, api: httpx.AsyncClient
) -> None:
    await send_roster(api, roster(*OTHERS))
    entries = await streams.new_custody_events()
    await notifier.custody.process(entries)
    await notifier.custody.process(entries)  # redelivered: finds nothing left to release
    await send_roster(api, roster(*OTHERS, "2026-009999", roster_id="roster-0500", as_of="2026-11-25T05:00:00-08:00"))
    await notifier.custody.process(await streams.new_custody_events())

    report = (await api.get(f"/v1/ops/rosters/{FACILITY}")).json()

    assert (report["roster_id"], report["released"], report["unknown"]) == ("roster-0600", 1, 0)


async def test_the_in_custody_set_follows_each_booking_into_and_out_of_custody(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, redis_client: Redis, names: RedisNames
) -> None:
    key = names.facility_in_custody(FACILITY)
    await ingest_api.submit(samples.booking(), other_booking(OTHERS[0], 1))
    await notifier.custody.process(await streams.new_custody_events())
    assert await redis_client.smembers(key) == {BOOKING_NUMBER.encode(), OTHERS[0].encode()}

    await ingest_api.submit(samples.release(), samples.transfer(booking_number=OTHERS[0], event_id="evt-moved"))
    await notifier.custody.process(await streams.new_custody_events())

    assert await redis_client.smembers(key) == set()


async def test_an_unreadable_roster_entry_goes_to_the_dead_letters(
    notifier: NotifierInstance, streams: Streams, outcome: Outcome
) -> None:
    entry_id = await streams.append_raw_custody_entry({"__data__": '{"type": "roster"}', "type": "roster"})

    report = await notifier.custody.process(await streams.new_custody_events())

    assert (report.processed, report.dead_lettered) == (0, 1)
    ((_, letter),) = await outcome.dead_letters()
    assert letter.message_id == entry_id
    assert letter.reason.startswith("not a valid roster")


# --- a release inferred from a roster, withdrawn: the person was still held ------------------------------------------

# Announced before the roster that omits the subject, for a time still to come as the office reads the story.
RELEASE_TIME = "2027-03-01T09:00:00-08:00"


async def told_released_by_a_roster(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient
) -> None:
    """A release announced on the 21st, then a roster of the 25th omitting the subject: released by inference."""
    await ingest_api.submit(samples.release_scheduled(scheduled_release_at=RELEASE_TIME))
    await notifier.custody.process(await streams.new_custody_events())
    await send_roster(api, roster(*OTHERS))
    await notifier.custody.process(await streams.new_custody_events())


def by_kind(alerts: list[Alert]) -> dict[str, list[Alert]]:
    kinds: dict[str, list[Alert]] = {}
    for alert in alerts:
        kinds.setdefault(alert.kind.value, []).append(alert)
    return kinds


@pytest.mark.usefixtures("three_in_custody")
async def test_a_later_roster_listing_the_booking_withdraws_the_inferred_release_and_brings_back_the_countdown(
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    api: httpx.AsyncClient,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await told_released_by_a_roster(notifier, streams, ingest_api, api)
    (told,) = by_kind(await outcome.alerts())["released"]
    assert told.status.value == "open"

    await send_roster(api, roster(BOOKING_NUMBER, *OTHERS, roster_id="roster-1200", as_of="2026-11-25T12:00:00-08:00"))
    again = await notifier.custody.process(await streams.new_custody_events())

    alerts = by_kind(await outcome.alerts())
    (released,) = alerts["released"]
    assert (released.status.value, released.outcome and released.outcome.value) == ("resolved", "release_superseded")
    step = released.timeline[-1]
    assert (step.what.value, step.event_id) == ("release_withdrawn", "roster-1200")
    assert step.detail == (
        f"still held at {FACILITY} at 2026-11-25 20:00 UTC: the release inferred from its roster of "
        "2026-11-25 14:00 UTC withdrawn"
    )
    # The countdown the inferred release closed is back, as an alert of its own.
    schedules = {alert.release_status: alert for alert in alerts["release_scheduled"]}
    assert set(schedules) == {ReleaseStatus.RELEASED, ReleaseStatus.SCHEDULED}
    standing = schedules[ReleaseStatus.SCHEDULED]
    assert standing.status.value == "open"
    assert standing.scheduled_release_at == datetime(2027, 3, 1, 17, 0, tzinfo=UTC)
    assert [alert.kind.value for alert in again.alerts] == ["release_scheduled"]
    updates = [(update.alert.kind.value, update.change.value) for update in await outcome.alerts_updated()]
    assert updates[-1:] == [("released", "release_withdrawn")]
    # Where the person is, as the office reads it, and as the operators' report and the next roster see it.
    (story,) = (await api.get("/v1/stories")).json()["stories"]
    assert story["now"]["state"] == "release_scheduled"
    report = (await api.get(f"/v1/ops/rosters/{FACILITY}")).json()
    assert (report["listed_again"], report["listed_again_booking_numbers"]) == (1, [BOOKING_NUMBER])
    assert report["listed_after_leaving"] == 0
    assert (await outcome.booking()).in_custody
    assert BOOKING_NUMBER.encode() in await redis_client.smembers(names.facility_in_custody(FACILITY))


@pytest.mark.usefixtures("three_in_custody")
async def test_the_release_after_a_withdrawn_one_is_alerted_with_the_notice_it_had(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await told_released_by_a_roster(notifier, streams, ingest_api, api)
    await send_roster(api, roster(BOOKING_NUMBER, *OTHERS, roster_id="roster-1200", as_of="2026-11-25T12:00:00-08:00"))
    await notifier.custody.process(await streams.new_custody_events())

    await ingest_api.submit(samples.release(occurred_at="2026-11-27T09:05:00-08:00"))
    await notifier.custody.process(await streams.new_custody_events())

    released = by_kind(await outcome.alerts())["released"]
    (now,) = [alert for alert in released if alert.status.value == "open"]
    assert now.release_reason is ReleaseReason.BAIL_POSTED
    assert now.released_at == datetime(2026, 11, 27, 17, 5, tzinfo=UTC)
    assert now.notice_given is True
    (story,) = (await api.get("/v1/stories")).json()["stories"]
    assert story["now"]["state"] == "released"


@pytest.mark.usefixtures("three_in_custody")
async def test_a_release_scheduled_after_the_roster_is_announced_once_the_next_roster_lists_the_booking(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    """A release time sent after the roster that omitted the booking does not withdraw the release by itself (a jail
    often sends release times after the person left); the next roster listing the booking does, and that time is
    announced then."""
    await send_roster(api, roster(*OTHERS))
    await notifier.custody.process(await streams.new_custody_events())
    await ingest_api.submit(
        samples.release_scheduled(occurred_at="2026-11-25T10:00:00-08:00", scheduled_release_at=RELEASE_TIME)
    )
    await notifier.custody.process(await streams.new_custody_events())
    assert await outcome.alert_kinds("HOU") == ["in_custody", "released"]

    await send_roster(api, roster(BOOKING_NUMBER, *OTHERS, roster_id="roster-1200", as_of="2026-11-25T12:00:00-08:00"))
    await notifier.custody.process(await streams.new_custody_events())

    alerts = by_kind(await outcome.alerts())
    (released,) = alerts["released"]
    assert (released.status.value, released.timeline[-1].what.value) == ("resolved", "release_withdrawn")
    (scheduled,) = alerts["release_scheduled"]
    assert (scheduled.status.value, scheduled.release_status) == ("open", ReleaseStatus.SCHEDULED)
    (story,) = (await api.get("/v1/stories")).json()["stories"]
    assert story["now"]["state"] == "release_scheduled"


@pytest.mark.usefixtures("three_in_custody")
async def test_a_roster_listing_a_booking_whose_release_the_facility_reported_withdraws_nothing(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    await ingest_api.submit(samples.release(occurred_at="2026-11-25T05:00:00-08:00"))
    await notifier.custody.process(await streams.new_custody_events())

    await send_roster(api, roster(BOOKING_NUMBER, *OTHERS))
    await notifier.custody.process(await streams.new_custody_events())

    (released,) = by_kind(await outcome.alerts())["released"]
    assert released.status.value == "open"
    report = (await api.get(f"/v1/ops/rosters/{FACILITY}")).json()
    assert (report["listed_again"], report["listed_after_leaving"]) == (0, 1)


@pytest.mark.usefixtures("three_in_custody")
async def test_a_release_reported_late_brings_the_inferred_released_alert_to_what_the_facility_reported(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    """The roster caught a release whose event came late: the person left on bail on the 24th, on the release
    announced for that day; the office was first told of a release inferred from the roster of the 25th. Once the
    facility's release arrives, the alert says what the facility reported, and the office is told once."""
    await ingest_api.submit(samples.release_scheduled())  # announced on the 21st for the 24th 09:00
    await notifier.custody.process(await streams.new_custody_events())
    await send_roster(api, roster(*OTHERS))
    await notifier.custody.process(await streams.new_custody_events())
    (inferred,) = by_kind(await outcome.alerts())["released"]
    assert (inferred.release_reason, inferred.notice_lead_hours) == (ReleaseReason.INFERRED_FROM_ROSTER, 92.0)

    await ingest_api.submit(samples.release())  # 2026-11-24T09:05-08:00, bail posted
    entries = await streams.new_custody_events()
    await notifier.custody.process(entries)
    await notifier.custody.process(entries)  # redelivered: nothing twice

    (released,) = by_kind(await outcome.alerts())["released"]
    assert released.alert_id == inferred.alert_id
    assert released.status.value == "open"
    assert released.release_reason is ReleaseReason.BAIL_POSTED
    assert released.released_at == datetime(2026, 11, 24, 17, 5, tzinfo=UTC)
    assert (released.notice_given, released.notice_lead_hours) == (True, 71.1)
    step = released.timeline[-1]
    assert (step.what.value, step.event_id) == ("release_reported", "evt-0005")
    assert step.detail == (
        "release reported by the facility: bail_posted at 2026-11-24 17:05 UTC (inferred from its roster of "
        "2026-11-25 14:00 UTC before)"
    )
    updates = [(u.alert.kind.value, u.change.value) for u in await outcome.alerts_updated()]
    assert updates.count(("released", "release_reported")) == 1
    (story,) = (await api.get("/v1/stories")).json()["stories"]
    assert story["now"]["state"] == "released"
    assert "with notice" in story["now"]["summary"]
    assert "without notice" not in story["now"]["summary"]
