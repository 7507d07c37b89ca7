"""How custody events fold into the state of one booking.

Events are redelivered and arrive out of order, so each fact keeps the time
it was true at the facility: a later fact wins, an earlier one arriving late
does not undo it, and applying an event twice changes nothing.
"""

from __future__ import annotations

import itertools

import pytest

from contracts import ReleaseReason
from notifier.domain.custody import BookingState, apply_event, schedule_episodes, standing_episode
from tests.unit.notifier.builders import at, booking_event, empty, event, fold, person

EVENT_TYPES = ["booking", "booking_updated", "release_scheduled", "release_cancelled", "release", "transfer"]


def test_a_booking_puts_the_person_in_custody() -> None:
    booking = booking_event()

    state = fold(booking)

    assert state.in_custody
    assert state.person == booking.person
    assert state.booked_at == at("2026-11-20T08:15:00-08:00")
    assert state.release_pending is None


@pytest.mark.parametrize(
    "kind",
    ["booking_updated", "release_scheduled", "release_cancelled", "release", "transfer"],
)
def test_events_for_a_booking_never_booked_leave_nobody_in_custody(kind: str) -> None:
    overrides = {"person": person().model_dump(mode="json")} if kind == "booking_updated" else {}

    state = fold(event(kind, **overrides))

    assert not state.in_custody
    assert state.release_pending is None


def test_a_scheduled_release_is_pending_while_the_person_is_in_custody() -> None:
    state = fold(event("booking"), event("release_scheduled"))

    assert state.in_custody
    assert state.release_pending == at("2026-11-24T09:00:00-08:00")
    assert state.scheduled_release_reason is ReleaseReason.BAIL_POSTED


def test_a_later_schedule_replaces_the_earlier_one() -> None:
    first = event("release_scheduled")
    later = event(
        "release_scheduled",
        event_id="evt-0003b",
        occurred_at="2026-11-22T10:00:00-08:00",
        scheduled_release_at="2026-11-26T09:00:00-08:00",
        release_reason="court_order",
    )

    state = fold(event("booking"), first, later)

    assert state.release_pending == at("2026-11-26T09:00:00-08:00")
    assert state.scheduled_release_reason is ReleaseReason.COURT_ORDER


def test_an_earlier_schedule_arriving_late_does_not_replace_the_later_one() -> None:
    later = event(
        "release_scheduled",
        event_id="evt-0003b",
        occurred_at="2026-11-22T10:00:00-08:00",
        scheduled_release_at="2026-11-26T09:00:00-08:00",
    )

    state = fold(event("booking"), later, event("release_scheduled"))

    assert state.release_pending == at("2026-11-26T09:00:00-08:00")


def test_a_cancellation_clears_the_scheduled_release() -> None:
    state = fold(event("booking"), event("release_scheduled"), event("release_cancelled"))

    assert state.in_custody
    assert state.scheduled_release_at is None
    assert state.release_pending is None


def test_cancellation_that_happened_before_the_latest_schedule_does_not_clear_it() -> None:
    schedule = event("release_scheduled", occurred_at="2026-11-21T10:00:00-08:00")
    earlier_cancellation = event("release_cancelled", occurred_at="2026-11-21T09:00:00-08:00")

    state = fold(event("booking"), schedule, earlier_cancellation)

    assert state.release_pending == at("2026-11-24T09:00:00-08:00")


def test_a_release_ends_custody_and_any_pending_release() -> None:
    state = fold(event("booking"), event("release_scheduled"), event("release"))

    assert not state.in_custody
    assert state.release_pending is None
    assert state.released_at == at("2026-11-24T09:05:00-08:00")
    assert state.release_reason is ReleaseReason.BAIL_POSTED


def test_a_transfer_ends_custody_at_this_facility() -> None:
    state = fold(event("booking"), event("release_scheduled"), event("transfer"))

    assert not state.in_custody
    assert state.release_pending is None
    assert state.transferred_to == "CA0190000"


@pytest.mark.parametrize("booked_first", [False, True], ids=["on_a_new_booking", "on_a_booked_person"])
@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_applying_an_event_twice_equals_applying_it_once(kind: str, booked_first: bool) -> None:
    start = fold(event("booking")) if booked_first else empty()
    overrides = {"person": person(first_name="JOSEPH").model_dump(mode="json")} if kind == "booking_updated" else {}
    once = apply_event(start, event(kind, **overrides))

    twice = apply_event(once, event(kind, **overrides))

    assert twice == once


def test_apply_event_leaves_the_state_it_was_given_unchanged() -> None:
    start = fold(event("booking"))
    snapshot = start.model_dump()

    apply_event(start, event("release"))

    assert start.model_dump() == snapshot
    assert start.in_custody


def test_a_booking_arriving_after_its_release_leaves_the_person_released() -> None:
    booking, release = booking_event(), event("release")

    state = fold(release, booking)

    assert not state.in_custody
    assert state.person == booking.person
    assert state.released_at == at("2026-11-24T09:05:00-08:00")


def test_the_final_state_does_not_depend_on_the_order_the_events_arrive_in() -> None:
    events = [
        event("booking"),
        event("booking_updated", person=person(first_name="JOSEPH").model_dump(mode="json")),
        event("release_scheduled"),
        event("release_cancelled"),
        event(
            "release_scheduled",
            event_id="evt-0003b",
            occurred_at="2026-11-22T10:00:00-08:00",
            scheduled_release_at="2026-11-26T09:00:00-08:00",
        ),
        event("release"),
    ]
    in_stream_order = fold(*events)

    for arrival in itertools.permutations(events):
        assert fold(*arrival) == in_stream_order


def test_a_release_time_announced_again_after_something_superseded_it_is_announced_anew_whatever_the_order() -> None:
    first, later = "2026-11-24T09:00:00-08:00", "2026-11-26T09:00:00-08:00"
    events = [
        event("booking"),
        event("release_scheduled", event_id="evt-a", occurred_at="2026-11-21T10:00:00-08:00"),
        event("release_scheduled", event_id="evt-b", occurred_at="2026-11-21T11:00:00-08:00"),  # nothing between
        event(
            "release_scheduled", event_id="evt-c", occurred_at="2026-11-22T10:00:00-08:00", scheduled_release_at=later
        ),
        event("release_scheduled", event_id="evt-d", occurred_at="2026-11-23T10:00:00-08:00"),  # after another time
        event("release_cancelled", event_id="evt-e", occurred_at="2026-11-23T12:00:00-08:00"),
        event("release_scheduled", event_id="evt-f", occurred_at="2026-11-24T08:00:00-08:00"),  # after a cancellation
    ]
    in_stream_order = fold(*events)

    for arrival in itertools.permutations(events):
        assert fold(*arrival) == in_stream_order

    assert [
        (episode.scheduled_release_at, episode.episode, episode.event_id)
        for episode in schedule_episodes(in_stream_order)
    ] == [(at(first), 1, "evt-a"), (at(later), 1, "evt-c"), (at(first), 2, "evt-d"), (at(first), 3, "evt-f")]
    assert (in_stream_order.scheduled_release_at, standing_episode(in_stream_order)) == (at(first), 3)


def test_a_state_saved_before_episodes_were_kept_reads_each_release_time_as_its_first_episode() -> None:
    # As saved then: one entry a release time, stamped by its earliest announcement, whatever came after it.
    saved = """{"facility_ori":"CA0194200","booking_number":"2026-004512","booked_at":"2026-11-20T08:15:00-08:00",
    "scheduled_release_at":"2026-11-24T09:00:00-08:00","schedule_stamp":["2026-11-23T10:00:00-08:00",0,"evt-0009"],
    "schedules_seen":[
     {"scheduled_release_at":"2026-11-24T09:00:00-08:00","known_at":"2026-11-21T10:00:00-08:00","event_id":"evt-0003"},
     {"scheduled_release_at":"2026-11-26T09:00:00-08:00","known_at":"2026-11-22T10:00:00-08:00","event_id":"evt-0007"}
    ]}"""

    state = BookingState.model_validate_json(saved)

    assert [(e.event_id, e.episode) for e in schedule_episodes(state)] == [("evt-0003", 1), ("evt-0007", 1)]
    assert standing_episode(state) == 1
    assert BookingState.model_validate_json(state.stored_json()) == state


def test_a_booking_update_with_a_newer_person_replaces_the_person() -> None:
    corrected = person(first_name="JOSEPH", a_number="A087654321")

    state = fold(event("booking"), event("booking_updated", person=corrected.model_dump(mode="json")))

    assert state.person == corrected
    assert state.in_custody


def test_a_booking_update_older_than_the_person_known_does_not_replace_it() -> None:
    booking = booking_event()
    older_update = event(
        "booking_updated",
        occurred_at="2026-11-20T08:00:00-08:00",
        person=person(first_name="JOSEPH").model_dump(mode="json"),
    )

    state = fold(booking, older_update)

    assert state.person == booking.person


def test_a_booking_update_of_the_charges_only_keeps_the_person() -> None:
    booking = booking_event()

    state = fold(booking, event("booking_updated"))

    assert state.person == booking.person


SAME_INSTANT = "2026-11-20T08:15:00-08:00"


@pytest.mark.parametrize("facts", ["person", "schedule"])
def test_facts_of_the_same_instant_fold_to_one_state_whatever_the_arrival_order_and_redeliveries(facts: str) -> None:
    if facts == "person":
        first = event("booking", occurred_at=SAME_INSTANT)
        second = event(
            "booking_updated",
            occurred_at=SAME_INSTANT,
            person=person(first_name="JOSEPH", a_number="A087654321").model_dump(mode="json"),
        )
    else:
        first = event("release_scheduled", occurred_at="2026-11-21T10:00:00-08:00")
        second = event("release_cancelled", occurred_at="2026-11-21T10:00:00-08:00")
    booked = fold(event("booking", occurred_at=SAME_INSTANT))

    arrivals = [(first, second), (second, first), (first, second, first), (second, first, second)]
    outcomes = {fold(*arrival, start=booked) for arrival in arrivals}

    assert len(outcomes) == 1
