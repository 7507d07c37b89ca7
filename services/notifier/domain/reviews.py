"""People's decisions on possible matches, and what they change about a booking's matches.

A duty officer confirms or rejects a ``possible_match`` alert: one (detainer,
booking) pair. The decision is kept with the booking and outranks the matcher
for that pair from then on: a confirmed pair is a match (its alerts are the
ordinary ones, with the ordinary fingerprints, so nothing is raised twice), a
rejected pair is nothing at all, whatever the matcher says of the person
later: what was raised for it before (the booking matched outright until a
correction made it a possible match, or the other way round) and is not
resolved yet is closed (``withdrawn_on_rejection``). Pure: the caller brings
the matches, the decisions and the active detainers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts import Alert, AlertOutcome, AlertStep, MatchDecision, MatchEvidence, ReviewDecision, TimelineEntry
from notifier.domain.alert_rules import DetainerRef, closed_by_releasewatch

__all__ = ["CONFIRMED_RULE", "BookingReview", "reviewed_matches", "withdrawn_on_rejection"]

CONFIRMED_RULE = "confirmed"  # the evidence rule of a match a person confirmed


class BookingReview(BaseModel):
    """A person's decision on one detainer for one booking, as kept with the booking."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    detainer_id: str
    # Unique across offices; a decision kept before references existed was on a detainer whose reference is its id.
    detainer_ref: str = Field(default_factory=lambda fields: fields["detainer_id"])
    field_office: str
    facility_ori: str
    booking_number: str
    decision: ReviewDecision
    alert_id: str  # the possible_match alert decided on
    evidence: MatchEvidence  # as the possible match was shown to the reviewer
    reviewed_by: str
    reviewed_at: datetime

    @classmethod
    def of(cls, alert: Alert) -> BookingReview:
        """The decision recorded on a reviewed possible_match alert."""
        if alert.review is None:
            raise ValueError(f"alert {alert.alert_id} carries no review")
        return cls(
            detainer_id=alert.detainer_id,
            detainer_ref=alert.detainer_ref,
            field_office=alert.field_office,
            facility_ori=alert.facility_ori,
            booking_number=alert.booking_number,
            decision=alert.review.decision,
            alert_id=alert.alert_id,
            evidence=alert.match,
            reviewed_by=alert.review.reviewed_by,
            reviewed_at=alert.review.reviewed_at,
        )

    @property
    def booking(self) -> tuple[str, str]:
        return (self.facility_ori, self.booking_number)

    @property
    def confirmed_evidence(self) -> MatchEvidence:
        """The evidence of the match a person confirmed: the scores and fields they saw."""
        return self.evidence.model_copy(update={"decision": MatchDecision.MATCH, "rule": CONFIRMED_RULE})


def reviewed_matches(
    matches: Sequence[tuple[DetainerRef, MatchEvidence]],
    reviews: Mapping[str, BookingReview],  # by detainer reference
    active: Callable[[str], DetainerRef | None],  # by detainer reference
) -> list[tuple[DetainerRef, MatchEvidence]]:
    """The matcher's answer for a booking with people's decisions on it applied.

    A reviewed detainer is dropped from what the matcher found; a confirmed one comes back as a match,
    whatever the matcher says now, as long as it is still active (``active`` finds it, or answers None).
    """
    decided = [(detainer, evidence) for detainer, evidence in matches if detainer.detainer_ref not in reviews]
    for review in reviews.values():
        if review.decision is ReviewDecision.CONFIRMED and (detainer := active(review.detainer_ref)) is not None:
            decided.append((detainer, review.confirmed_evidence))
    return decided


_REJECTED = "possible match rejected: not the detainer's subject"


def withdrawn_on_rejection(alert: Alert, review: BookingReview, *, at: datetime) -> Alert:
    """``alert``, raised for the pair ``review`` rejected, closed at ``at``: resolved as ``not_the_person`` by
    releasewatch (the person decided on the possible match, not on this alert), a ``reviewed`` step naming who
    rejected it; a release schedule among them leaves ``scheduled`` as ``cancelled``."""
    step = TimelineEntry(at=at, what=AlertStep.REVIEWED, by=review.reviewed_by, detail=_REJECTED)
    return closed_by_releasewatch(alert, step, AlertOutcome.NOT_THE_PERSON)
