"""What a facility's roster says about the bookings we hold there: the releases it implies, and its report."""

from __future__ import annotations

from contracts import RosterSubmitted
from contracts.rosters import REPORTED_BOOKING_NUMBERS
from notifier.domain.custody import BookingState, apply_event
from notifier.domain.rosters import inferred_releases, listed_but_not_held, released_by, roster_report
from tests.unit.notifier.builders import FACILITY, at, event, fold

AS_OF = "2026-11-25T06:00:00-08:00"


def _roster(*numbers: str, roster_id: str = "roster-0600") -> RosterSubmitted:
    return RosterSubmitted(roster_id=roster_id, as_of=at(AS_OF), facility_ori=FACILITY, booking_numbers=numbers)


def _booked(number: str, **extra: str) -> BookingState:
    return fold(event("booking", booking_number=number, **extra))


def test_each_booking_held_in_custody_that_the_roster_omits_is_released_as_of_the_roster() -> None:
    roster = _roster("B1", "B3")

    releases = inferred_releases(roster, {"B1", "B2", "B4"})

    assert [(r.booking_number, r.occurred_at, r.event_id) for r in releases] == [
        ("B2", at(AS_OF), "roster-0600"),
        ("B4", at(AS_OF), "roster-0600"),
    ]
    assert listed_but_not_held(roster, {"B1", "B2", "B4"}) == ["B3"]


def test_a_release_is_the_roster_s_only_when_that_roster_inferred_it_at_its_time() -> None:
    (inferred,) = inferred_releases(_roster("B9"), {"B1"})
    released_by_it = apply_event(_booked("B1"), inferred)
    reported = fold(event("booking", booking_number="B1"), event("release", booking_number="B1"))

    assert released_by(_roster("B9"), released_by_it)
    assert not released_by(_roster("B9", roster_id="roster-0700"), released_by_it)
    assert not released_by(_roster("B9"), reported)


def test_the_report_tells_listed_bookings_never_seen_from_those_that_had_left() -> None:
    left = fold(event("booking", booking_number="B7"), event("release", booking_number="B7"))
    never_seen = BookingState.empty(FACILITY, "B8")

    report = roster_report(
        _roster("B1", "B1", "B7", "B8"), released=["B2"], listed_not_held=[left, never_seen], processed_at=at(AS_OF)
    )

    assert (report.listed, report.released, report.released_booking_numbers) == (3, 1, ("B2",))
    assert (report.unknown, report.unknown_booking_numbers) == (1, ("B8",))
    assert (report.listed_after_leaving, report.listed_after_leaving_booking_numbers) == (1, ("B7",))


def test_the_report_counts_every_release_and_names_only_the_first_ones() -> None:
    released = [f"B{number:05d}" for number in range(REPORTED_BOOKING_NUMBERS + 5)]

    report = roster_report(_roster("B1"), released=released, listed_not_held=[], processed_at=at(AS_OF))

    assert report.released == REPORTED_BOOKING_NUMBERS + 5
    assert len(report.released_booking_numbers) == REPORTED_BOOKING_NUMBERS
