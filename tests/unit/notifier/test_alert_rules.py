"""Which alerts a matched booking calls for, and what makes two alerts the same alert."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from contracts import Alert, AlertKind, AlertTrigger, CustodyEvent, FieldAgreement, MatchDecision, MatchEvidence
from contracts.alerts import story_id_for
from notifier.domain.alert_rules import AlertCondition, alert_conditions, build_alert
from notifier.domain.custody import BookingState
from notifier.handlers.detainer_index import ActiveDetainer
from tests.unit.notifier.builders import active_detainer, at, event, fold

RAISED_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EVIDENCE = MatchEvidence(
    decision=MatchDecision.MATCH, rule="identifier", fields=(FieldAgreement(field="a_number", level="exact"),)
)


def booked() -> BookingState:
    return fold(event("booking"))


def scheduled(**overrides: str) -> BookingState:
    return fold(event("booking"), event("release_scheduled", **overrides))


def released() -> BookingState:
    return fold(event("booking"), event("release_scheduled"), event("release"))


def alerts(
    state: BookingState,
    on: ActiveDetainer | None = None,
    *,
    event_id: str | None = "evt-0001",
    raised_at: datetime = RAISED_AT,
    trigger: AlertTrigger = AlertTrigger.CUSTODY_EVENT,
) -> dict[AlertKind, Alert]:
    on = on or active_detainer()
    built = [
        build_alert(condition, state, on, EVIDENCE, trigger=trigger, event_id=event_id, raised_at=raised_at)
        for condition in alert_conditions(state)
    ]
    return {alert.kind: alert for alert in built}


def kinds(conditions: list[AlertCondition]) -> list[AlertKind]:
    return [condition.kind for condition in conditions]


def test_a_person_in_custody_calls_for_an_in_custody_alert() -> None:
    conditions = alert_conditions(booked())

    assert kinds(conditions) == [AlertKind.IN_CUSTODY]
    assert conditions[0].occurred_at == at("2026-11-20T08:15:00-08:00")


def test_a_scheduled_release_calls_for_in_custody_and_release_scheduled_alerts() -> None:
    raised = alerts(scheduled())

    assert set(raised) == {AlertKind.IN_CUSTODY, AlertKind.RELEASE_SCHEDULED}
    notice = raised[AlertKind.RELEASE_SCHEDULED]
    assert notice.scheduled_release_at == at("2026-11-24T09:00:00-08:00")
    assert notice.release_reason == "bail_posted"
    assert notice.occurred_at == at("2026-11-21T10:00:00-08:00")
    assert raised[AlertKind.IN_CUSTODY].scheduled_release_at is None


def test_a_cancelled_release_calls_for_no_release_scheduled_alert() -> None:
    state = fold(event("booking"), event("release_scheduled"), event("release_cancelled"))

    assert kinds(alert_conditions(state)) == [AlertKind.IN_CUSTODY]


def test_a_released_stay_states_every_fact_of_it_booked_scheduled_released() -> None:
    raised = alerts(released())

    assert set(raised) == {AlertKind.IN_CUSTODY, AlertKind.RELEASE_SCHEDULED, AlertKind.RELEASED}
    notice = raised[AlertKind.RELEASED]
    assert notice.released_at == at("2026-11-24T09:05:00-08:00")
    assert notice.release_reason == "bail_posted"
    assert notice.scheduled_release_at is None


def test_a_schedule_first_known_after_the_release_calls_for_no_release_scheduled_alert() -> None:
    state = fold(
        event("booking"),
        event("release", occurred_at="2026-11-21T09:00:00-08:00"),
        event("release_scheduled", occurred_at="2026-11-21T10:00:00-08:00"),
    )

    assert kinds(alert_conditions(state)) == [AlertKind.IN_CUSTODY, AlertKind.RELEASED]


def test_every_arrival_order_of_a_stays_events_raises_the_same_alerts() -> None:
    feed = [event("booking"), event("release_scheduled"), event("booking_updated"), event("release")]
    first = {alert.alert_id for alert in alerts(fold(*feed)).values()}

    for order in itertools.permutations(feed):
        assert {alert.alert_id for alert in alerts(fold(*order)).values()} == first


def test_a_booking_never_booked_calls_for_no_alert() -> None:
    assert alert_conditions(fold(event("release_scheduled"), event("release"))) == []


def test_the_alert_goes_to_the_detainers_field_office_with_booking_evidence_and_person() -> None:
    state = booked()

    alert = alerts(state, active_detainer(detainer_id="NYC-2026-000001", field_office="NYC"))[AlertKind.IN_CUSTODY]

    assert alert.field_office == "NYC"
    assert alert.detainer_id == "NYC-2026-000001"
    assert (alert.facility_ori, alert.booking_number) == ("CA0194200", "2026-004512")
    assert alert.match == EVIDENCE
    assert alert.person == state.person
    assert alert.status == "open"
    assert alert.trigger is AlertTrigger.CUSTODY_EVENT
    assert alert.event_id == "evt-0001"
    assert alert.raised_at == RAISED_AT


def test_the_alert_id_is_the_same_for_the_same_condition_whenever_and_however_it_is_raised() -> None:
    first = alerts(scheduled())
    again = alerts(
        scheduled(),
        event_id=None,
        raised_at=datetime(2026, 12, 1, tzinfo=UTC),
        trigger=AlertTrigger.DETAINER_LODGED,
    )

    assert {kind: alert.alert_id for kind, alert in first.items()} == {
        kind: alert.alert_id for kind, alert in again.items()
    }


def test_the_same_release_time_in_another_offset_is_the_same_alert() -> None:
    pacific = alerts(scheduled(scheduled_release_at="2026-11-24T09:00:00-08:00"))
    utc = alerts(scheduled(scheduled_release_at="2026-11-24T17:00:00Z"))

    assert pacific[AlertKind.RELEASE_SCHEDULED].alert_id == utc[AlertKind.RELEASE_SCHEDULED].alert_id


def test_the_alert_id_differs_per_kind() -> None:
    ids = [
        alerts(scheduled())[AlertKind.IN_CUSTODY].alert_id,
        alerts(scheduled())[AlertKind.RELEASE_SCHEDULED].alert_id,
        alerts(released())[AlertKind.RELEASED].alert_id,
    ]

    assert len(set(ids)) == 3


def test_the_same_detainer_id_lodged_by_two_offices_is_two_detainers_with_their_own_alerts_and_stories() -> None:
    los = alerts(booked(), active_detainer(detainer_id="D-1", field_office="LOS"))[AlertKind.IN_CUSTODY]
    nyc = alerts(booked(), active_detainer(detainer_id="D-1", field_office="NYC"))[AlertKind.IN_CUSTODY]

    assert (los.field_office, los.detainer_id) == ("LOS", "D-1")
    assert (nyc.field_office, nyc.detainer_id) == ("NYC", "D-1")
    assert los.alert_id != nyc.alert_id
    assert los.story_id != nyc.story_id


def test_a_detainer_lodged_when_ids_were_global_keeps_the_alert_and_story_ids_it_had() -> None:
    older = alerts(booked(), active_detainer(lodged_when_ids_were_global=True))[AlertKind.IN_CUSTODY]

    # The ids such an alert was given before ids were scoped to their office (of the detainer id alone): a
    # redelivered event finds that alert again instead of raising a second one.
    assert older.alert_id == "al_ycx6ngjshed2zq76y64pu5jbuc"
    assert older.story_id == "st_5ti7ggfanrzincz4bcrqsw5ers"
    assert older.detainer_ref == older.detainer_id == "LOS-2026-000871"


def test_the_alert_id_differs_per_detainer() -> None:
    los = alerts(booked(), active_detainer(detainer_id="LOS-2026-000871", field_office="LOS"))
    nyc = alerts(booked(), active_detainer(detainer_id="NYC-2026-000001", field_office="NYC"))

    assert los[AlertKind.IN_CUSTODY].alert_id != nyc[AlertKind.IN_CUSTODY].alert_id


@pytest.mark.parametrize(
    "other_stay",
    [{"booking_number": "2026-009999"}, {"facility_ori": "CA0190000"}],
    ids=["another_booking_number", "another_facility"],
)
def test_the_alert_id_differs_per_booking(other_stay: dict[str, str]) -> None:
    here = alerts(booked())
    there = alerts(fold(event("booking", **other_stay)))

    assert here[AlertKind.IN_CUSTODY].alert_id != there[AlertKind.IN_CUSTODY].alert_id


def test_a_rescheduled_release_is_a_new_alert() -> None:
    first = scheduled()
    rescheduled = fold(
        event("booking"),
        event("release_scheduled"),
        event(
            "release_scheduled",
            event_id="evt-0003b",
            occurred_at="2026-11-22T10:00:00-08:00",
            scheduled_release_at="2026-11-26T09:00:00-08:00",
        ),
    )

    before, after = alerts(first), alerts(rescheduled)

    assert before[AlertKind.RELEASE_SCHEDULED].alert_id != after[AlertKind.RELEASE_SCHEDULED].alert_id
    assert before[AlertKind.IN_CUSTODY].alert_id == after[AlertKind.IN_CUSTODY].alert_id


def test_a_transfer_of_a_detained_person_calls_for_a_transferred_alert() -> None:
    state = fold(event("booking"), event("transfer"))

    raised = alerts(state)

    assert AlertKind.TRANSFERRED in raised
    assert raised[AlertKind.TRANSFERRED].to_facility_ori == "CA0190000"


def test_every_alert_of_one_detainer_tells_one_story_across_bookings_and_facilities() -> None:
    moved = fold(event("booking"), event("transfer", to_facility_ori="CA0190000"))
    rebooked = fold(event("booking", event_id="evt-0100", facility_ori="CA0190000", booking_number="2026-B-0077"))

    told = [*alerts(moved).values(), *alerts(rebooked).values()]
    elsewhere = alerts(booked(), active_detainer(detainer_id="LOS-2026-000999"))[AlertKind.IN_CUSTODY]

    assert [alert.kind for alert in told] == [AlertKind.IN_CUSTODY, AlertKind.TRANSFERRED, AlertKind.IN_CUSTODY]
    assert {alert.story_id for alert in told} == {story_id_for("LOS/LOS-2026-000871")}
    assert len({alert.alert_id for alert in told}) == 3  # one story, still one alert per condition
    assert elsewhere.story_id == story_id_for("LOS/LOS-2026-000999") != story_id_for("LOS/LOS-2026-000871")


@pytest.mark.parametrize(
    "after_the_release",
    [
        pytest.param(event("release_cancelled", occurred_at="2026-11-24T09:10:00-08:00"), id="cancelled"),
        pytest.param(
            event(
                "release_scheduled",
                event_id="evt-0009",
                occurred_at="2026-11-24T09:20:00-08:00",
                scheduled_release_at="2026-11-28T09:00:00-08:00",
            ),
            id="another-time-sent",
        ),
    ],
)
def test_what_the_jail_sends_about_the_schedule_after_the_release_changes_nothing_of_its_notice(
    after_the_release: CustodyEvent,
) -> None:
    in_order = fold(event("booking"), event("release_scheduled"), event("release"))
    afterwards = fold(event("booking"), event("release_scheduled"), after_the_release, event("release"))

    told = alerts(in_order)[AlertKind.RELEASED]
    later = alerts(afterwards)[AlertKind.RELEASED]

    assert (later.notice_given, later.notice_lead_hours, later.released_without_notice) == (True, 71.1, False)
    assert (later.notice_given, later.notice_lead_hours) == (told.notice_given, told.notice_lead_hours)


def test_a_release_after_its_schedule_was_cancelled_came_without_notice() -> None:
    cancelled_first = fold(event("booking"), event("release_scheduled"), event("release_cancelled"), event("release"))

    assert alerts(cancelled_first)[AlertKind.RELEASED].released_without_notice is True
