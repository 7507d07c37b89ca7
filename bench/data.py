"""Synthetic custody events and detainers for the benchmarks (no real person's data)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from contracts import (
    Booking,
    CustodyEvent,
    Detainer,
    DetainerForm,
    DetainerStatus,
    Person,
    Release,
    ReleaseReason,
    ReleaseScheduled,
    Sex,
)

__all__ = ["detainers_for", "feed", "person_of"]

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
_NAMES = ["GARCIA", "LOPEZ", "SMITH", "NGUYEN", "KIM", "MARTINEZ", "JOHNSON", "HERNANDEZ"]


def person_of(index: int) -> Person:
    """The synthetic person number ``index``: a name from a short list, a birth date and an A-number of their own."""
    rng = random.Random(index)
    return Person(
        last_name=rng.choice(_NAMES),
        first_name=rng.choice(_NAMES),
        date_of_birth=date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365)),
        sex=Sex.MALE,
        a_number=f"A{100_000_000 + index:09d}",
    )


def feed(count: int, *, run: str, first_person: int = 0) -> list[CustodyEvent]:
    """Bookings, with a scheduled release and a release for every fifth person, from person ``first_person`` on
    (a multiple of 100 keeps one person in 100 a subject of ``detainers_for(range(0, n, 100))``)."""
    events: list[CustodyEvent] = []
    index = 0
    while len(events) < count:
        booking = f"{run}-{index}"
        events.append(
            Booking(
                event_id=f"{run}-b-{index}",
                occurred_at=NOW,
                facility_ori="CA0194200",
                booking_number=booking,
                person=person_of(first_person + index),
            )
        )
        if index % 5 == 0:
            events.append(
                ReleaseScheduled(
                    event_id=f"{run}-s-{index}",
                    occurred_at=NOW,
                    facility_ori="CA0194200",
                    booking_number=booking,
                    scheduled_release_at=NOW + timedelta(hours=30),
                    release_reason=ReleaseReason.BAIL_POSTED,
                )
            )
            events.append(
                Release(
                    event_id=f"{run}-r-{index}",
                    occurred_at=NOW + timedelta(hours=31),
                    facility_ori="CA0194200",
                    booking_number=booking,
                    release_reason=ReleaseReason.BAIL_POSTED,
                )
            )
        index += 1
    return events[:count]


def detainers_for(people: range) -> list[Detainer]:
    return [
        Detainer(
            detainer_id=f"D-{index}",
            form=DetainerForm.I_247A,
            field_office="LOS",
            person=person_of(index),
            issued_at=NOW,
            status=DetainerStatus.ACTIVE,
            lodged_at=NOW,
        )
        for index in people
    ]
