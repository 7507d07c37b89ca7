"""Alerts: what a field office is told, with the evidence for it."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from contracts.base import WireModel
from contracts.events import ReleaseReason
from contracts.fields import BookingNumber, DetainerId, EventId, FieldOffice, Ori
from contracts.person import Person

__all__ = [
    "Alert",
    "AlertKind",
    "AlertNotice",
    "AlertOutcome",
    "AlertRaised",
    "AlertReview",
    "AlertReviewed",
    "AlertStatus",
    "AlertStep",
    "AlertTrigger",
    "AlertUpdated",
    "FieldAgreement",
    "IdentifierConflict",
    "MatchDecision",
    "MatchEvidence",
    "OfficerAction",
    "OfficerOutcome",
    "ReleaseStatus",
    "ResolveAlert",
    "ReviewDecision",
    "TimelineEntry",
    "digest_id",
    "story_id_for",
]


class AlertKind(StrEnum):
    IN_CUSTODY = "in_custody"
    RELEASE_SCHEDULED = "release_scheduled"
    RELEASED = "released"
    TRANSFERRED = "transferred"
    POSSIBLE_MATCH = "possible_match"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertOutcome(StrEnum):
    """Why a resolved alert was closed."""

    CUSTODY_ASSUMED = "custody_assumed"
    RELEASED = "released"
    DETAINER_LIFTED = "detainer_lifted"
    NOT_THE_PERSON = "not_the_person"
    RELEASE_SUPERSEDED = "release_superseded"  # set by releasewatch: the release time no longer stands


class OfficerOutcome(StrEnum):
    """The outcomes a person resolves an alert with (``release_superseded`` is releasewatch's alone)."""

    CUSTODY_ASSUMED = "custody_assumed"
    RELEASED = "released"
    DETAINER_LIFTED = "detainer_lifted"
    NOT_THE_PERSON = "not_the_person"


class ReleaseStatus(StrEnum):
    """Where a ``release_scheduled`` alert's release time stands. Anything but ``scheduled`` is final."""

    SCHEDULED = "scheduled"  # the release time stands and is ahead (or within the grace after it)
    RESCHEDULED = "rescheduled"  # a new release time replaced it (``superseded_by``: that time's alert)
    CANCELLED = "cancelled"  # cancelled, or the person was transferred before it
    RELEASED = "released"  # the person left (``superseded_by``: the ``released`` alert)
    PASSED = "passed"  # the time went by, and the grace after it, with no release reported


class MatchDecision(StrEnum):
    MATCH = "match"
    POSSIBLE_MATCH = "possible_match"


class FieldAgreement(WireModel):
    """How one field of the booked person compared with the detainer's subject."""

    field: str = Field(examples=["a_number"])
    level: str = Field(description="e.g. exact, swapped, phonetic, missing, disagree", examples=["exact"])
    weight: float | None = Field(default=None, description="The field's contribution to the score, if scored.")


class IdentifierConflict(WireModel):
    """An identifier both records carry, with different values: it forbids an automatic match."""

    field: str = Field(examples=["a_number"])
    booked: str = Field(description="The booked person's value.", examples=["A055500011"])
    detainer: str = Field(description="The detainer subject's value.", examples=["A099999999"])


class MatchEvidence(WireModel):
    """Why releasewatch believes the booked person is the detainer's subject."""

    decision: MatchDecision
    rule: str = Field(description="The rule that decided, e.g. identifier.", examples=["identifier"])
    score: float | None = None
    margin: float | None = Field(default=None, description="Score over the runner-up candidate.")
    fields: tuple[FieldAgreement, ...] = ()
    reasons: tuple[str, ...] = Field(
        default=(),
        description="The decision in words a duty officer reads, most telling first. They name the "
        "person's identifiers: shown to the detainer's office only.",
        examples=[["A-number differs: A055500011 (booking) vs A099999999 (detainer)"]],
    )
    conflicts: tuple[IdentifierConflict, ...] = Field(
        default=(), description="Identifiers both carry that differ (A-number, FBI number, state id of one state)."
    )


class AlertTrigger(StrEnum):
    CUSTODY_EVENT = "custody_event"
    DETAINER_LODGED = "detainer_lodged"
    MATCH_CONFIRMED = "match_confirmed"  # a person confirmed a possible match
    ROSTER = "roster"  # missing from its facility's roster: released by inference (event_id is the roster_id)


class ReviewDecision(StrEnum):
    CONFIRMED = "confirmed"  # the booked person is the detainer's subject
    REJECTED = "rejected"  # they are not: never suggested again for this booking


class AlertReview(WireModel):
    """A person's decision on a ``possible_match`` alert."""

    decision: ReviewDecision
    reviewed_by: str = Field(description="Who decided: the name on their API key.", examples=["LOS duty desk"])
    reviewed_at: datetime


class AlertStep(StrEnum):
    """What happened to an alert, as its timeline tells it."""

    RAISED = "raised"
    DELIVERED = "delivered"  # a message about it reached the office (webhook, e-mail: the detail says which)
    REVIEWED = "reviewed"
    REMINDED = "reminded"  # a reminder before the release time went out
    ESCALATED = "escalated"  # not acknowledged in time: the office's escalation channel was told
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    # A release_scheduled alert's release time stopped standing (releasewatch closed the alert):
    RELEASE_CANCELLED = "release_cancelled"
    RESCHEDULED = "rescheduled"
    RELEASED = "released"
    RELEASE_TIME_PASSED = "release_time_passed"
    # The facility corrected the person booked, who is no longer the detainer's subject (releasewatch closed it):
    IDENTITY_CORRECTED = "identity_corrected"
    # The facility corrected the person booked back to the detainer's subject (releasewatch reopened what it closed):
    IDENTITY_RESTORED = "identity_restored"
    # The office lifted the detainer (releasewatch closed what was still open of it):
    DETAINER_LIFTED = "detainer_lifted"
    # A release inferred from a roster that the facility's later facts withdrew: the person was still held
    # (releasewatch closed the released alert):
    RELEASE_WITHDRAWN = "release_withdrawn"
    # A release inferred from a roster that the facility then reported (an earlier time, its reason): the released
    # alert now says what the facility reported (it stays open):
    RELEASE_REPORTED = "release_reported"


class TimelineEntry(WireModel):
    """One step in an alert's life, appended by whatever changed the alert, in the same write."""

    at: datetime
    what: AlertStep
    by: str | None = Field(default=None, description="Who: the name on their API key; none when releasewatch did.")
    detail: str | None = Field(
        default=None, description="e.g. the trigger that raised it, the review decision, the outcome and note."
    )
    event_id: EventId | None = Field(
        default=None, description="The custody event that caused the step, if one did (e.g. the cancellation)."
    )


ResolutionNote = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class ResolveAlert(WireModel):
    """What a field office sends to resolve an alert."""

    outcome: OfficerOutcome
    note: ResolutionNote | None = None


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648's alphabet, in lower case
_BASE32_PAIRS = tuple(first + second for first in _BASE32 for second in _BASE32)  # ten bits each


def digest_id(prefix: str, digest: bytes) -> str:
    """``prefix`` and the first 130 bits of ``digest`` in lower-case base32 (26 characters): what
    ``base64.b32encode(digest[:17]).decode().lower()[:26]`` spells, at a third of its cost (the standard library's
    base32 is written in Python; an alert's id is worked out with every event that may raise it)."""
    bits = int.from_bytes(digest[:17], "big") >> 6  # 136 bits, the last 6 not spelt
    pairs = _BASE32_PAIRS
    return "".join(
        (
            prefix,
            pairs[bits >> 120],
            pairs[bits >> 110 & 1023],
            pairs[bits >> 100 & 1023],
            pairs[bits >> 90 & 1023],
            pairs[bits >> 80 & 1023],
            pairs[bits >> 70 & 1023],
            pairs[bits >> 60 & 1023],
            pairs[bits >> 50 & 1023],
            pairs[bits >> 40 & 1023],
            pairs[bits >> 30 & 1023],
            pairs[bits >> 20 & 1023],
            pairs[bits >> 10 & 1023],
            pairs[bits & 1023],
        )
    )


@lru_cache(maxsize=16_384)  # every alert of a detainer asks again: those of the detainers seen lately are kept
def story_id_for(detainer_ref: str) -> str:
    """The story every alert of one detainer belongs to: its subject's time in custody, across bookings
    and facilities (a transfer and the booking at the new facility continue it). Stable: a digest of the
    detainer's reference (unique across offices), so each service derives it alone and no identifier
    shows in it."""
    return digest_id("st_", hashlib.sha256(f"v1|story|{detainer_ref}".encode()).digest())


class Alert(WireModel):
    alert_id: str = Field(description="Stable: derived from the condition, so a redelivery finds the same alert.")
    kind: AlertKind
    status: AlertStatus = AlertStatus.OPEN
    field_office: FieldOffice
    detainer_id: DetainerId = Field(description="The office's id of the detainer.")
    detainer_ref: str = Field(
        # Alerts raised before references existed were of detainers whose reference is their id.
        default_factory=lambda fields: fields["detainer_id"],
        description="releasewatch's reference of the detainer, unique across offices (`OFFICE/ID`; the id alone "
        "for detainers lodged before ids were scoped to their office).",
        examples=["LOS/LOS-2026-000871"],
    )
    facility_ori: Ori
    booking_number: BookingNumber
    raised_at: datetime
    occurred_at: datetime = Field(description="When the condition arose at the facility.")
    trigger: AlertTrigger
    story_id: str | None = Field(
        default=None,
        description="The story it belongs to: every alert of one detainer, across bookings and facilities "
        "(none on alerts raised before stories existed).",
        examples=["st_3k7q..."],
    )
    event_id: EventId | None = Field(default=None, description="The custody event that raised it, if one did.")
    scheduled_release_at: datetime | None = None
    released_at: datetime | None = None
    left_custody_at: datetime | None = Field(
        default=None,
        description="For in_custody: when the person left the stay it tells of (released or moved), if they had "
        "left by the time it was raised (a detainer lodged after the release, a possible match confirmed late, a "
        "booking arriving with its release): the released or transferred alert is the one to act on.",
    )
    release_reason: ReleaseReason | None = None
    to_facility_ori: Ori | None = None
    person: Person | None = Field(default=None, description="The person as the facility booked them.")
    match: MatchEvidence
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    outcome: AlertOutcome | None = Field(default=None, description="Why it was resolved.")
    review: AlertReview | None = Field(
        default=None, description="For a possible_match: whether a person confirmed or rejected it."
    )
    resolution_note: str | None = Field(default=None, description="What the person who resolved it wrote.")
    notice_given: bool | None = Field(
        default=None, description="For released: whether the release schedule was known before the person left."
    )
    notice_lead_hours: float | None = Field(
        default=None,
        description="For released with notice: hours from when the schedule became known to the release (0.1 h).",
    )
    released_early_hours: float | None = Field(
        default=None,
        description="For released with notice: how many hours before the release time announced last the person "
        "left (0.1 h), when it was more than an hour: the notice named a later time than the release came at.",
    )
    released_without_notice: bool | None = Field(
        default=None, description="For released: true when no release schedule was known before the person left."
    )
    schedule_withheld_by: str | None = Field(
        default=None,
        description="For released without notice: the sharing-policy rule that withheld the booking's release "
        "schedule (`<jurisdiction> <clause>`), so the release is not taken for one nobody scheduled.",
        examples=["CA0300000 share.release_scheduled"],
    )
    escalation_level: int | None = Field(
        default=None, description="How many times it was escalated for want of an acknowledgement (none: never)."
    )
    timeline: tuple[TimelineEntry, ...] = Field(
        default=(),
        description="What happened to the alert, oldest first: raised, delivered, reminded, escalated, reviewed, "
        "acknowledged, resolved, and for a release_scheduled alert the step that closed it (release_cancelled, "
        "rescheduled, released, release_time_passed).",
    )
    release_status: ReleaseStatus | None = Field(
        default=None,
        description="For release_scheduled: where its release time stands. Leaving `scheduled` closes the alert "
        "(resolved as release_superseded, unless a person resolved it first).",
    )
    superseded_by: str | None = Field(
        default=None,
        description="For release_scheduled, rescheduled: the alert of the new release time; released: the "
        "`released` alert.",
    )


class AlertRaised(WireModel):
    """Published on the alert stream once per alert, when it is first raised (never for a release schedule that
    no longer stood when it arrived: recorded closed, not announced)."""

    type: Literal["alert_raised"] = "alert_raised"
    alert: Alert


class AlertNotice(WireModel):
    """Published on the alert stream for a reminder before a release, or an escalation, once each."""

    type: Literal["alert_reminded", "alert_escalated"]
    alert: Alert = Field(description="The alert as it is after the notice (its timeline ends with it).")
    lead_seconds: int | None = Field(default=None, description="For a reminder: how long before the release.")
    level: int | None = Field(default=None, description="For an escalation: its level, from 1.")


class AlertReviewed(WireModel):
    """Published on the review stream when a person confirms or rejects a possible match."""

    type: Literal["alert_reviewed"] = "alert_reviewed"
    alert: Alert = Field(description="The possible_match alert, with its review.")


class AlertUpdated(WireModel):
    """Published on the alert stream, once, when releasewatch changes an alert: a release_scheduled alert's
    release time stopped standing (cancelled, rescheduled, released, passed) and the alert was closed; or the
    facility corrected the person booked, who is no longer the detainer's subject, or an officer rejected the
    possible match on the booking, and the alert was closed."""

    type: Literal["alert_updated"] = "alert_updated"
    alert: Alert = Field(description="The alert as it is after the change (its timeline ends with the step).")
    change: AlertStep = Field(
        description="The step: release_cancelled, rescheduled, released, release_time_passed, identity_corrected, "
        "identity_restored (the alert reopened: the person booked is the detainer's subject again), "
        "detainer_lifted, reviewed (a possible match on the booking rejected), release_withdrawn (a release "
        "inferred from a roster that a later roster contradicted: closed), release_reported (a release inferred "
        "from a roster that the facility then reported: the alert, still open, now says what it reported)."
    )


class OfficerAction(WireModel):
    """Published on the alert stream when a person acknowledges, resolves or reviews an alert, so that every
    open office page shows it. For the live feed only: webhooks and e-mail do not carry it."""

    type: Literal["alert_acknowledged", "alert_resolved", "alert_reviewed"]
    alert: Alert = Field(description="The alert as it is after the step.")
