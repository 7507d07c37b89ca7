"""A release inferred from a roster: it ends a stay only where a source reported no end, for a booking
older than the roster, and never replaces what a source reported."""

from __future__ import annotations

from contracts import ReleaseReason
from notifier.domain.custody import InferredRelease, apply_event
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

    assert reported_later == reported_only
    assert reported_later.release_reason is ReleaseReason.BAIL_POSTED
