"""What a facility's roster says about the bookings we hold there. Pure: the roster and the bookings' states in,
the releases it implies and its report out.

A roster lists every booking in custody at the facility as of a time. A booking we hold as in custody there,
booked before that time and missing from the roster, left: it is released by inference (``InferredRelease``,
which never overrides a release a source reported). A listed booking an earlier roster released by inference was
still held: that release is withdrawn (``ListedOnRoster``), and the booking is listed again. Listed bookings we
never saw booked are unknown to us; listed bookings we know left (as a source reported) are listed after leaving.
All three go to the operators' report.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from datetime import datetime

from contracts import ReleaseReason, RosterReport, RosterSubmitted
from contracts.rosters import REPORTED_BOOKING_NUMBERS
from notifier.domain.custody import BookingState, InferredRelease, ListedOnRoster

__all__ = ["inferred_releases", "listed_again", "listed_but_not_held", "released_by", "roster_report"]


def inferred_releases(roster: RosterSubmitted, held: Set[str]) -> list[InferredRelease]:
    """A release as of the roster's time for each booking number we hold in custody at its facility (``held``)
    that the roster does not list."""
    listed = set(roster.booking_numbers)
    return [
        InferredRelease(roster.roster_id, roster.as_of, roster.facility_ori, number) for number in sorted(held - listed)
    ]


def listed_but_not_held(roster: RosterSubmitted, held: Set[str]) -> list[str]:
    """The booking numbers the roster lists that we do not hold in custody there (unknown, or left)."""
    return sorted(set(roster.booking_numbers) - held)


def listed_again(roster: RosterSubmitted, listed_not_held: Sequence[BookingState]) -> list[ListedOnRoster]:
    """A fact for each listed booking we do not hold in custody (``listed_not_held``, their states) because a roster
    drawn up before this one released it by inference: the person was still held as of this one."""
    return [
        ListedOnRoster(roster.roster_id, roster.as_of, roster.facility_ori, state.booking_number)
        for state in listed_not_held
        if state.release_reason is ReleaseReason.INFERRED_FROM_ROSTER
        and state.released_at is not None
        and state.released_at < roster.as_of
    ]


def released_by(roster: RosterSubmitted, state: BookingState) -> bool:
    """Whether the booking's release is the one ``roster`` inferred (now, or before a crash)."""
    return (
        state.release_reason is ReleaseReason.INFERRED_FROM_ROSTER
        and state.release_stamp is not None
        and state.release_stamp[2] == roster.roster_id
        and state.released_at == roster.as_of
    )


def roster_report(
    roster: RosterSubmitted,
    *,
    released: Sequence[str],
    listed_not_held: Sequence[BookingState],
    processed_at: datetime,
    listed_again: Sequence[str] = (),
) -> RosterReport:
    """The operators' report of ``roster``: how many it listed, the bookings it released (``released``), those an
    earlier roster released whose release it withdrew (``listed_again``), and, among the other listed bookings we
    did not hold in custody (``listed_not_held``, their states), those we never saw booked (unknown) and those that
    had left (listed after leaving); a few booking numbers of each."""
    unknown = [state.booking_number for state in listed_not_held if state.booked_at is None]
    left = [state.booking_number for state in listed_not_held if state.booked_at is not None and not state.in_custody]
    return RosterReport(
        facility_ori=roster.facility_ori,
        roster_id=roster.roster_id,
        as_of=roster.as_of,
        processed_at=processed_at,
        listed=len(set(roster.booking_numbers)),
        released=len(released),
        released_booking_numbers=tuple(released[:REPORTED_BOOKING_NUMBERS]),
        unknown=len(unknown),
        unknown_booking_numbers=tuple(unknown[:REPORTED_BOOKING_NUMBERS]),
        listed_after_leaving=len(left),
        listed_after_leaving_booking_numbers=tuple(left[:REPORTED_BOOKING_NUMBERS]),
        listed_again=len(listed_again),
        listed_again_booking_numbers=tuple(sorted(listed_again)[:REPORTED_BOOKING_NUMBERS]),
    )
