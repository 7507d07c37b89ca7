"""What releasewatch knew of a booking before intake kept a record of it under a sharing policy.

Intake keeps a record (``policies.BookingDisclosure``) of each booking it takes under a policy. A booking
accepted before its facility came under one has none, though its events were published as sent and the
notifier keeps its state: its charges, when it was booked, the person's date of birth. The first event intake
judges for such a booking is judged on those facts (``seed``), not as a booking of which nothing is known.

Read here with a model of the few fields needed (``KnownBooking``), not the notifier's own: the stored JSON
leaves out the fields at their defaults and carries many more, which are ignored.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from contracts import Charge
from contracts.events import FactStamp
from policies import BookingDisclosure

__all__ = ["KnownBooking", "KnownPerson", "seed"]


class KnownPerson(BaseModel):
    """Of the person of a booking's state: only what a policy's conditions look at."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    date_of_birth: date | None = None


class KnownBooking(BaseModel):
    """Of the notifier's state of a booking (its JSON, the fields at their defaults left out): the facts a
    policy's conditions are judged on, with the stamps that say which later event may correct them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    person: KnownPerson | None = None
    person_stamp: FactStamp | None = None
    booked_at: datetime | None = None
    charges: tuple[Charge, ...] = ()
    charges_stamp: FactStamp | None = None

    @property
    def identity_published(self) -> bool:
        """Whether the booking (or a correction of it) was published: the notifier knows who was booked."""
        return self.person is not None or self.booked_at is not None


def seed(facility_ori: str, booking_number: str, state_json: bytes) -> BookingDisclosure | None:
    """Intake's record of a booking it has none of, from the notifier's state (``state_json``); None when that
    state tells nothing a policy's conditions look at (the booking is judged as one of which nothing is known).

    The record starts with those facts and their stamps (a later correction replaces them as it would have);
    the identity counts as published when a booking or a correction of it was, so a correction is not held
    back from a notifier that knows the person already. Nothing is held or counted withheld yet."""
    known = KnownBooking.model_validate_json(state_json)
    if not known.charges and not known.identity_published:
        return None
    return BookingDisclosure(
        facility_ori=facility_ori,
        booking_number=booking_number,
        charges=known.charges,
        charges_stamp=known.charges_stamp,
        date_of_birth=known.person.date_of_birth if known.person is not None else None,
        person_stamp=known.person_stamp,
        booked_at=known.booked_at,
        identity_published=known.identity_published,
    )
