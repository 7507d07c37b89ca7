"""Rosters: a facility's full list of the bookings in custody at one moment.

A source sends one (``Roster``) to reconcile what it may have failed to
report: a booking releasewatch believes is in custody there but that is
missing from the roster has left, and is released with ``release_reason:
inferred_from_roster``. Ingest publishes it on the custody stream, in order
with the facility's events, as a ``RosterSubmitted``; the notifier keeps what
it concluded as the facility's latest ``RosterReport``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from contracts.base import WireModel
from contracts.fields import BookingNumber, EventId, Ori, Rfc3339Datetime

__all__ = ["MAX_ROSTER_BOOKINGS", "REPORTED_BOOKING_NUMBERS", "Roster", "RosterReport", "RosterSubmitted"]

MAX_ROSTER_BOOKINGS = 50_000  # the largest jails hold about 20,000 people
REPORTED_BOOKING_NUMBERS = 1_000  # booking numbers a report lists of each kind (its counts are complete)


class Roster(WireModel):
    """The body of ``POST /v1/facilities/{ori}/roster``."""

    roster_id: EventId = Field(
        description="The source's unique id for this roster; the idempotency key (like a custody event's event_id).",
        examples=["roster-2026-11-25T06:00"],
    )
    as_of: Rfc3339Datetime = Field(description="When the list was true at the facility (RFC 3339 with offset).")
    booking_numbers: tuple[BookingNumber, ...] = Field(
        min_length=1,  # an empty roster is far likelier a failed export than an empty jail
        max_length=MAX_ROSTER_BOOKINGS,
        description="Every booking in custody at the facility at `as_of` (a number listed twice counts once).",
    )


class RosterSubmitted(Roster):
    """A roster accepted for a facility, as it travels on the custody stream.

    Under a sharing policy intake adds what the policy means for it, from what intake alone knows of the
    facility's bookings (their facts as corrected, withheld events included): bookings it holds, never
    published, which the notifier cannot know and does not report as unknown; and bookings whose release the
    policy withholds, whose release the roster implies is withheld too."""

    type: Literal["roster"] = "roster"
    facility_ori: Ori
    held_by_policy: tuple[str, ...] = Field(
        default=(), description="Set by releasewatch: booking numbers a sharing policy holds (never published)."
    )
    releases_withheld: dict[str, str] = Field(
        default_factory=dict,
        description="Set by releasewatch: booking numbers whose release the facility's sharing policy withholds, "
        "each with the rule that does.",
    )

    def as_sent(self) -> str:
        """The roster as its source sent it (what its receipt's digest is of): without what intake added."""
        return self.model_dump_json(exclude={"held_by_policy", "releases_withheld"})


class RosterReport(WireModel):
    """What the notifier concluded from a facility's roster: kept per facility, the latest ``as_of`` winning."""

    facility_ori: Ori
    roster_id: EventId
    as_of: datetime
    processed_at: datetime
    listed: int = Field(description="Distinct booking numbers on the roster.")
    released: int = Field(description="Bookings in custody by our state, missing from the roster, released now.")
    released_booking_numbers: tuple[str, ...] = Field(
        default=(), description=f"Those released, sorted (the first {REPORTED_BOOKING_NUMBERS:,})."
    )
    unknown: int = Field(description="Booking numbers on the roster we hold no booking for.")
    unknown_booking_numbers: tuple[str, ...] = Field(
        default=(), description=f"Those unknown, sorted (the first {REPORTED_BOOKING_NUMBERS:,})."
    )
    listed_after_leaving: int = Field(
        default=0, description="Booking numbers on the roster whose booking we believe released or transferred."
    )
    listed_after_leaving_booking_numbers: tuple[str, ...] = Field(
        default=(), description=f"Those, sorted (the first {REPORTED_BOOKING_NUMBERS:,})."
    )
    listed_again: int = Field(
        default=0,
        description=(
            "Bookings an earlier roster released by inference that this one lists: the person was still held, so "
            "that release was withdrawn (its released alert closed) and the booking is in custody again."
        ),
    )
    listed_again_booking_numbers: tuple[str, ...] = Field(
        default=(), description=f"Those, sorted (the first {REPORTED_BOOKING_NUMBERS:,})."
    )
