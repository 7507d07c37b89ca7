"""Custody events: what a jail's booking system tells us, one fact at a time.

The six event types form a discriminated union on ``type``. Every event
carries the source's ``event_id`` (the idempotency key), when it happened,
and the facility and booking it concerns.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Protocol, Self

from pydantic import (
    BeforeValidator,
    Field,
    TypeAdapter,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from contracts.base import ALSO_NULL, EMPTY_FOR_NULL, STRAY_FIELDS_IGNORED, WireModel
from contracts.fields import BookingNumber, EventId, FreeText, NcicCode, Ori, Rfc3339Datetime, ShortText
from contracts.person import OptionalIdentifier, Person

__all__ = [
    "Booking",
    "BookingUpdated",
    "Charge",
    "ChargeSeverity",
    "CustodyEvent",
    "CustodyEventType",
    "FactStamp",
    "Release",
    "ReleaseCancelled",
    "ReleaseReason",
    "ReleaseScheduled",
    "ReportedReleaseReason",
    "Transfer",
    "custody_event_adapter",
    "fact_stamp",
]


class ChargeSeverity(StrEnum):
    FELONY = "felony"
    MISDEMEANOR = "misdemeanor"
    INFRACTION = "infraction"


class ReleaseReason(StrEnum):
    BAIL_POSTED = "bail_posted"
    OWN_RECOGNIZANCE = "own_recognizance"
    SENTENCE_COMPLETE = "sentence_complete"
    COURT_ORDER = "court_order"
    CHARGES_DROPPED = "charges_dropped"
    TRANSFER = "transfer"
    OTHER = "other"
    # Never sent by a source: releasewatch's own conclusion that a booking missing from its
    # facility's roster has left (see contracts.rosters). Alerts and booking states carry it.
    INFERRED_FROM_ROSTER = "inferred_from_roster"


_REPORTABLE = tuple(reason.value for reason in ReleaseReason if reason is not ReleaseReason.INFERRED_FROM_ROSTER)


def _reported_by_a_source(value: Any) -> Any:
    """Before the enum is read: the reserved reason refused with why, and an unknown one with the reasons a
    source may send (pydantic's own message would list the reserved one among them)."""
    if value == ReleaseReason.INFERRED_FROM_ROSTER.value:
        raise PydanticCustomError(
            "release_reason_reserved",
            "inferred_from_roster is reserved for releases releasewatch infers from a roster; send the actual reason "
            "(other, if none fits)",
        )
    if not isinstance(value, str) or value not in _REPORTABLE:  # (a number, null: pydantic's list has the reserved)
        raise PydanticCustomError("release_reason", "must be one of: " + ", ".join(_REPORTABLE))
    return value


ReportedReleaseReason = Annotated[
    ReleaseReason,
    BeforeValidator(_reported_by_a_source),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "not": {"const": ReleaseReason.INFERRED_FROM_ROSTER.value},
            "examples": ["bail_posted"],
            "description": f"One of {', '.join(_REPORTABLE)}. Also read in words, in any case (Bail Posted, ROR, "
            "Time Served); any other reason is read as other, with a warning: the release is never refused for it.",
        }
    ),
]
"""A release reason as a source reports it: any but the one releasewatch reserves for its inferences. (Intake
reads words and unknown reasons into these first: ``ingest.common_forms``.)"""


class CustodyEventType(StrEnum):
    BOOKING = "booking"
    BOOKING_UPDATED = "booking_updated"
    RELEASE_SCHEDULED = "release_scheduled"
    RELEASE_CANCELLED = "release_cancelled"
    RELEASE = "release"
    TRANSFER = "transfer"


class Charge(WireModel):
    model_config = STRAY_FIELDS_IGNORED

    statute: ShortText = Field(examples=["PC 459"])
    description: FreeText = Field(examples=["Burglary, second degree"])
    severity: Annotated[
        ChargeSeverity,
        WithJsonSchema(
            {
                "type": "string",
                "minLength": 1,
                "examples": ["felony"],
                "description": "felony, misdemeanor or infraction. Also read in any case, and as F, FEL, M, MISD, I "
                "or INF, with a class or degree after it (F3, M-1, MISD A).",
            }
        ),
    ]
    ncic_code: Annotated[NcicCode | None, OptionalIdentifier] = Field(
        default=None,
        description="Optional: a placeholder for none (UNKNOWN, 0000) reads as absent, and a code that cannot be read "
        "is dropped with a warning, the event accepted without it.",
    )


MAX_CHARGES = 100


class _CustodyEventBase(WireModel):
    model_config = STRAY_FIELDS_IGNORED

    event_id: EventId = Field(description="The source's unique id for this event; the idempotency key.")
    occurred_at: Rfc3339Datetime = Field(description="When it happened at the facility (RFC 3339 with offset).")
    facility_ori: Ori
    booking_number: BookingNumber = Field(description="Unique within the facility for one stay.")

    @property
    def booking_key(self) -> tuple[str, str]:
        return (self.facility_ori, self.booking_number)


class Booking(_CustodyEventBase):
    """A person is booked into custody."""

    type: Literal["booking"] = "booking"
    person: Person
    charges: Annotated[tuple[Charge, ...], EMPTY_FOR_NULL] = Field(
        default=(), max_length=MAX_CHARGES, json_schema_extra=ALSO_NULL, description="null reads as none."
    )


class BookingUpdated(_CustodyEventBase):
    """The identity or the charges of a booking were corrected."""

    type: Literal["booking_updated"] = "booking_updated"
    person: Person | None = None
    charges: tuple[Charge, ...] | None = Field(default=None, max_length=MAX_CHARGES)

    @model_validator(mode="after")
    def _needs_a_correction(self) -> Self:
        if self.person is None and self.charges is None:
            raise ValueError("a booking_updated event needs person, charges or both")
        return self


class ReleaseScheduled(_CustodyEventBase):
    """A release time is now known."""

    type: Literal["release_scheduled"] = "release_scheduled"
    scheduled_release_at: Rfc3339Datetime
    release_reason: ReportedReleaseReason


class ReleaseCancelled(_CustodyEventBase):
    """A scheduled release will not happen."""

    type: Literal["release_cancelled"] = "release_cancelled"


class Release(_CustodyEventBase):
    """The person has left custody."""

    type: Literal["release"] = "release"
    release_reason: ReportedReleaseReason


class Transfer(_CustodyEventBase):
    """The person was moved to another facility."""

    type: Literal["transfer"] = "transfer"
    to_facility_ori: Ori

    @field_validator("to_facility_ori")
    @classmethod
    def _moves_somewhere_else(cls, to_facility_ori: str, info: ValidationInfo) -> str:
        if to_facility_ori == info.data.get("facility_ori"):
            raise PydanticCustomError("same_facility", "must differ from facility_ori")
        return to_facility_ori


CustodyEvent = Annotated[
    Booking | BookingUpdated | ReleaseScheduled | ReleaseCancelled | Release | Transfer,
    Field(discriminator="type"),
]

custody_event_adapter: TypeAdapter[CustodyEvent] = TypeAdapter(CustodyEvent)


FactStamp = tuple[datetime, int, str]
"""Where a fact of a booking stands among the others: when it happened at the facility, then a rank by event
type, then the event id. Of two facts of one kind the later stamp wins (the earlier, for the end of a stay),
so the order events arrive in never changes what a booking's events say."""

_RANK_AT_THE_SAME_INSTANT = {
    "booking": 0,
    "booking_updated": 1,  # a correction at the same instant wins over the booking
    "release_scheduled": 0,
    "release_cancelled": 1,  # a cancellation at the same instant wins over the schedule
    "release": 0,
    "transfer": 0,
}


class _Fact(Protocol):
    @property
    def type(self) -> str: ...

    @property
    def occurred_at(self) -> datetime: ...

    @property
    def event_id(self) -> str: ...


def fact_stamp(event: _Fact) -> FactStamp:
    """The stamp of a custody event (or of a fact ranked as one, such as a release inferred from a roster)."""
    return (event.occurred_at, _RANK_AT_THE_SAME_INSTANT[event.type], event.event_id)
