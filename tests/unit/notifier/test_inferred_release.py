"""A release inferred from a roster: it ends a stay only where a source reported no end, for a booking
older than the roster, and never replaces what a source reported."""

from __future__ import annotations

from contracts import ReleaseReason
from notifier.domain.custody import (
    BookingState,
    InferredRelease,
    ListedOnRoster,
    apply_event,
    release_qualifier,
    standing_episode,
)
from tests.unit.notifier.builders import BOOKING_NUMBER, FACILITY, at, event, fold

AS_OF = "2026-11-25T06:00:00-08:00"


def inferred(as_of: str = AS_OF, roster_id: str = "roster-0600") -> InferredRelease:
    return InferredRelease(roster_id, at(as_of), FACILITY, BOOKING_NUMBER)


def test_a_booking_in_custody_missing_from_an_older_roster_is_released_as_of_the_roster() -> None:
    state = apply_event(fold(event("booking")), inferred())

    assert not state.in_custody
    assert state.released_at == at(AS_OF)
    assert state.release_reason is ReleaseReason.INFERRED_FROM_ROSTER
    assert state.release_stamp == (at(AS_OF), 0, "roster-0600")


def test_inferring_the_same_release_twice_changes_nothing() -> None:
    once = apply_event(fold(event("booking")), inferred())

    assert apply_event(once, inferred()) == once
    assert apply_event(once, inferred("2026-11-25T05:00:00-08:00", "roster-0500")) == once


def test_a_booking_booked_at_or_after_the_roster_is_not_released_by_it() -> None:
    booked = fold(event("booking", occurred_at=AS_OF))

    assert apply_event(booked, inferred()) == booked


def test_a_booking_never_booked_is_not_released_by_a_roster() -> None:
    never_booked = fold(event("release_scheduled"))

    assert apply_event(never_booked, inferred()) == never_booked


def test_a_reported_release_or_transfer_is_never_replaced_by_an_inferred_one() -> None:
    released = fold(event("booking"), event("release", occurred_at="2026-11-25T09:00:00-08:00"))
    transferred = fold(event("booking"), event("transfer"))

    assert apply_event(released, inferred()) == released
    assert apply_event(transferred, inferred()) == transferred


def test_a_reported_release_earlier_than_the_roster_replaces_the_inferred_one() -> None:
    reported_only = fold(event("booking"), event("release", occurred_at="2026-11-24T09:05:00-08:00"))
    inferred_first = apply_event(fold(event("booking")), inferred())

    reported_later = apply_event(inferred_first, event("release", occurred_at="2026-11-24T09:05:00-08:00"))

    assert reported_later.model_copy(update={"inferred_release_replaced": None}) == reported_only
    assert reported_later.release_reason is ReleaseReason.BAIL_POSTED
    assert reported_later.inferred_release_replaced == "roster-0600"  # its alert is brought to the reported release


# --- withdrawn when the facility says the person was still held -------------------------------------------------

# Booked 2026-11-20, a release announced on the 21st for the 24th 09:00; a roster of the 22nd omits the booking.
SCHEDULED = event("release_scheduled")  # announced 2026-11-21T10:00-08:00 for 2026-11-24T09:00-08:00
ROSTER_AS_OF = "2026-11-22T06:00:00-08:00"


def listed(as_of: str = "2026-11-23T06:00:00-08:00", roster_id: str = "roster-1123") -> ListedOnRoster:
    return ListedOnRoster(roster_id, at(as_of), FACILITY, BOOKING_NUMBER)


def released_by_roster() -> BookingState:
    state = apply_event(fold(event("booking"), SCHEDULED), inferred(ROSTER_AS_OF, "roster-1122"))
    assert state.release_reason is ReleaseReason.INFERRED_FROM_ROSTER
    return state


def test_a_later_roster_listing_the_booking_withdraws_the_inferred_release() -> None:
    state = apply_event(released_by_roster(), listed())

    assert state.in_custody
    assert (state.released_at, state.release_reason, state.release_stamp) == (None, None, None)
    (retracted,) = state.releases_retracted
    assert (retracted.released_at, retracted.roster_id) == (at(ROSTER_AS_OF), "roster-1122")
    assert (retracted.held_at, retracted.event_id) == (at("2026-11-23T06:00:00-08:00"), "roster-1123")
    assert release_qualifier(state) == "#2"  # a release from now on is an alert of its own


def test_the_release_time_that_stood_when_the_release_was_inferred_stands_again_as_its_next_episode() -> None:
    state = apply_event(released_by_roster(), listed())

    assert state.release_pending == at("2026-11-24T09:00:00-08:00")
    assert standing_episode(state) == 2  # the first one's alert was closed by the inferred release


def test_a_roster_listing_the_booking_before_the_inferred_release_withdraws_nothing() -> None:
    state = released_by_roster()

    assert apply_event(state, listed("2026-11-21T06:00:00-08:00", "roster-1121")).released_at == at(ROSTER_AS_OF)


def test_a_release_time_sent_after_the_roster_withdraws_nothing() -> None:
    """A jail often cancels, or sends again, the release it had pending after the person left: what it sends about
    release times after a roster says nothing of who is still held. Only a roster refutes a roster."""
    later = event(
        "release_scheduled",
        event_id="evt-rs-2",
        occurred_at="2026-11-23T10:00:00-08:00",
        scheduled_release_at="2026-11-26T09:00:00-08:00",
    )
    cancelled = event("release_cancelled", event_id="evt-rc-2", occurred_at="2026-11-23T10:00:00-08:00")

    for sent in (later, cancelled):
        state = apply_event(released_by_roster(), sent)

        assert state.released_at == at(ROSTER_AS_OF)
        assert state.releases_retracted == ()


def test_the_roster_after_a_release_time_sent_since_withdraws_the_release_and_that_time_stands() -> None:
    later = event(
        "release_scheduled",
        event_id="evt-rs-2",
        occurred_at="2026-11-23T10:00:00-08:00",
        scheduled_release_at="2026-11-26T09:00:00-08:00",
    )

    state = apply_event(apply_event(released_by_roster(), later), listed("2026-11-24T06:00:00-08:00"))

    assert state.release_pending == at("2026-11-26T09:00:00-08:00")
    assert standing_episode(state) == 1  # announced after the release was inferred: its alert never closed by it


def test_a_roster_drawn_up_before_one_that_listed_the_booking_releases_nothing() -> None:
    listed_first = apply_event(fold(event("booking"), SCHEDULED), listed())

    assert apply_event(listed_first, inferred(ROSTER_AS_OF, "roster-1122")) == listed_first


def test_a_release_the_facility_reported_is_never_withdrawn() -> None:
    reported = fold(event("booking"), event("release", occurred_at="2026-11-22T05:00:00-08:00"))

    state = apply_event(reported, listed())

    assert state.released_at == at("2026-11-22T05:00:00-08:00")
    assert state.releases_retracted == ()


def test_a_release_after_a_withdrawn_one_ends_the_stay_and_a_roster_omitting_the_booking_again_releases_it() -> None:
    relisted = apply_event(released_by_roster(), listed())

    reported = apply_event(relisted, event("release"))
    omitted_again = apply_event(relisted, inferred("2026-11-25T06:00:00-08:00", "roster-1125"))

    assert reported.released_at == at("2026-11-24T09:05:00-08:00")
    assert omitted_again.released_at == at("2026-11-25T06:00:00-08:00")
    assert release_qualifier(reported) == release_qualifier(omitted_again) == "#2"


def test_withdrawing_again_changes_nothing() -> None:
    once = apply_event(released_by_roster(), listed())

    assert apply_event(once, listed()) == once
    assert apply_event(once, inferred(ROSTER_AS_OF, "roster-1122")) == once
