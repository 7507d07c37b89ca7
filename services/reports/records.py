"""What the outcome report is computed from: plain records, as storage holds them (read by the caller).

Each record is a fact the service already keeps: alerts (with what their
timeline says: resolved, reviewed), detainers with their lift, and per
facility the feed's facts (rejections and late events per day, silent
spells, surge holds, roster findings) and what policies withheld per rule
per day. The report is a pure function of these (``reports.outcomes``).

Times keep the offset they were reported with: a release at 23:30 -08:00 on
November 30 belongs to November 30 at that facility.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from contracts import Alert, AlertKind, AlertOutcome, AlertTrigger, Detainer, LiftReason, ReleaseReason, ReviewDecision

__all__ = [
    "AlertRecord",
    "DetainerRecord",
    "FeedDay",
    "FeedSilence",
    "PolicyWithheldDay",
    "ReportRecords",
    "RosterFinding",
    "SurgeHold",
]


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert, as the report reads it."""

    alert_id: str
    kind: AlertKind
    field_office: str
    detainer_ref: str
    facility_ori: str
    booking_number: str
    occurred_at: datetime  # when the condition arose at the facility (for released: the release)
    to_facility_ori: str | None = None  # transferred: where to
    release_reason: ReleaseReason | None = None
    notice_given: bool | None = None  # released: whether a release schedule was known before the person left
    notice_lead_hours: float | None = None  # released with notice: hours from the schedule to the release
    outcome: AlertOutcome | None = None
    resolved_at: datetime | None = None
    review: ReviewDecision | None = None  # possible_match: a person's decision
    reviewed_at: datetime | None = None
    # released: the release schedule was withheld by this policy rule (the policy mark said so)
    schedule_withheld_by: str | None = None
    # held by feed health and discarded by an operator as a data error: nothing happened
    discarded: bool = False
    trigger: AlertTrigger = AlertTrigger.CUSTODY_EVENT
    raised_at: datetime | None = None

    @property
    def matched_at(self) -> datetime:
        """When the booking was matched to the detainer: when the condition arose, unless the match came later (a
        detainer lodged on someone booked before, a possible match a person confirmed): then when it was raised."""
        later = self.trigger in (AlertTrigger.DETAINER_LODGED, AlertTrigger.MATCH_CONFIRMED)
        if later and self.raised_at is not None and self.raised_at > self.occurred_at:
            return self.raised_at
        return self.occurred_at

    @classmethod
    def of(cls, alert: Alert, *, schedule_withheld_by: str | None = None, discarded: bool = False) -> AlertRecord:
        review = alert.review
        return cls(
            alert_id=alert.alert_id,
            kind=alert.kind,
            field_office=alert.field_office,
            detainer_ref=alert.detainer_ref,
            facility_ori=alert.facility_ori,
            booking_number=alert.booking_number,
            occurred_at=alert.occurred_at,
            to_facility_ori=alert.to_facility_ori,
            release_reason=alert.release_reason,
            notice_given=alert.notice_given,
            notice_lead_hours=alert.notice_lead_hours,
            outcome=alert.outcome,
            resolved_at=alert.resolved_at,
            review=review.decision if review is not None else None,
            reviewed_at=review.reviewed_at if review is not None else None,
            schedule_withheld_by=schedule_withheld_by,
            discarded=discarded,
            trigger=alert.trigger,
            raised_at=alert.raised_at,
        )


@dataclass(frozen=True, slots=True)
class DetainerRecord:
    """One detainer: whose, where it was lodged, and whether (when, why) it was lifted."""

    detainer_ref: str
    field_office: str
    lodged_with_ori: str | None = None
    lifted_at: datetime | None = None
    lift_reason: LiftReason | None = None

    @classmethod
    def of(cls, detainer_ref: str, detainer: Detainer) -> DetainerRecord:
        return cls(
            detainer_ref=detainer_ref,
            field_office=detainer.field_office,
            lodged_with_ori=detainer.lodged_with_ori,
            lifted_at=detainer.lifted_at,
            lift_reason=detainer.lift_reason,
        )


@dataclass(frozen=True, slots=True)
class FeedDay:
    """A facility's events refused by intake, and accepted long after they happened, on one day (UTC)."""

    facility_ori: str
    day: date
    events_rejected: int = 0
    events_accepted_late: int = 0


@dataclass(frozen=True, slots=True)
class FeedSilence:
    """A spell the facility's feed was judged silent: from ``start`` to ``end`` (None: still silent)."""

    facility_ori: str
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class SurgeHold:
    """A hold of a facility's alerts for a surge of releases, and what an operator decided."""

    facility_ori: str
    since: datetime
    decision: str | None = None  # deliver, discard, or None while undecided


@dataclass(frozen=True, slots=True)
class RosterFinding:
    """What a facility's roster showed: booking numbers it listed that we hold no booking for, or whose
    booking we believe left already (each a discrepancy between the feed and the roster)."""

    facility_ori: str
    as_of: datetime
    unknown: int = 0
    listed_after_leaving: int = 0
    inferred_releases: int = 0


@dataclass(frozen=True, slots=True)
class PolicyWithheldDay:
    """Events of a facility a policy rule withheld on one day (UTC)."""

    facility_ori: str
    day: date
    rule: str
    events: int


@dataclass(frozen=True, slots=True)
class ReportRecords:
    """Everything the report reads for a period (the caller may pass more: the report keeps to its period)."""

    alerts: tuple[AlertRecord, ...] = ()
    detainers: tuple[DetainerRecord, ...] = ()
    feed_days: tuple[FeedDay, ...] = ()
    silences: tuple[FeedSilence, ...] = ()
    holds: tuple[SurgeHold, ...] = ()
    rosters: tuple[RosterFinding, ...] = ()
    withheld: tuple[PolicyWithheldDay, ...] = ()
