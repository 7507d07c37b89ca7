"""The lifecycle of an alert as people move it: reviewed, acknowledged, resolved. Pure: the alert as it is,
the step asked for, who and when in; the alert after it (or None when it is there already) out, or the
conflict that refuses it.

``open`` -> ``acknowledged`` -> ``resolved``; a possible match is confirmed (acknowledged: the case goes on in
the alerts it turns into) or rejected (resolved as ``not_the_person``). No step moves an alert back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertReview,
    AlertStatus,
    AlertStep,
    ReviewDecision,
    TimelineEntry,
)

__all__ = [
    "AlertLifecycleConflictError",
    "AlertNotFoundError",
    "AlertNotReviewableError",
    "AlertReviewConflictError",
    "acknowledged",
    "decided",
    "resolved",
    "reviewed",
]


class AlertNotFoundError(LookupError):
    pass


class AlertNotReviewableError(Exception):
    """Only a possible_match alert is confirmed or rejected."""

    def __init__(self, current: Alert) -> None:
        super().__init__(f"alert {current.alert_id!r} is {current.kind.value}, not a possible match")
        self.current = current


class AlertReviewConflictError(Exception):
    """The possible match was already decided the other way."""

    def __init__(self, current: Alert, review: AlertReview) -> None:
        super().__init__(f"alert {current.alert_id!r} was already {review.decision.value}")
        self.current = current
        self.review = review


class AlertLifecycleConflictError(Exception):
    """The alert is past the step asked for: acknowledging a resolved alert, or resolving it again
    with another outcome. ``pointer`` names the request field at fault, if one is."""

    def __init__(self, current: Alert, detail: str, *, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.current = current
        self.pointer = pointer


def reviewed(alert: Alert, decision: ReviewDecision, *, by: str, at: datetime) -> Alert:
    """The possible_match alert once a person decided on it.

    A confirmation acknowledges it: the case goes on in the alerts it turns into. A rejection resolves
    it as ``not_the_person``. Neither moves an alert back in its lifecycle.
    """
    step = TimelineEntry(at=at, what=AlertStep.REVIEWED, by=by, detail=decision.value)
    update: dict[str, Any] = {
        "review": AlertReview(decision=decision, reviewed_by=by, reviewed_at=at),
        "timeline": (*alert.timeline, step),
    }
    if decision is ReviewDecision.CONFIRMED:
        if alert.status is AlertStatus.OPEN:
            update |= {"status": AlertStatus.ACKNOWLEDGED, "acknowledged_at": at, "acknowledged_by": by}
    elif alert.status is not AlertStatus.RESOLVED:
        update |= {
            "status": AlertStatus.RESOLVED,
            "resolved_at": at,
            "resolved_by": by,
            "outcome": AlertOutcome.NOT_THE_PERSON,
        }
    return alert.model_copy(update=update)


def decided(alert: Alert, decision: ReviewDecision, *, by: str, at: datetime) -> Alert | None:
    """The possible_match alert once ``by`` decided on it; None when it was decided that way already.

    Only a possible match is decided on; deciding it the other way than before is a conflict, and so is deciding
    one releasewatch closed unreviewed (the facility corrected the person booked to someone else, the office lifted
    the detainer): a confirmation would raise alerts about whoever the booking now names."""
    if alert.kind is not AlertKind.POSSIBLE_MATCH:
        raise AlertNotReviewableError(alert)
    if alert.review is not None:
        if alert.review.decision is decision:
            return None
        raise AlertReviewConflictError(alert, alert.review)
    if alert.status is AlertStatus.RESOLVED:
        raise AlertLifecycleConflictError(
            alert,
            f"possible match {alert.alert_id!r} is already resolved{_closed_by(alert)}: nothing is left to review",
        )
    return reviewed(alert, decision, by=by, at=at)


def _closed_by(alert: Alert) -> str:
    """Who closed ``alert``, and for releasewatch why: a release schedule a lift or a correction closed also reads
    ``cancelled``, which is not why it was closed."""
    if alert.resolved_by is not None:
        return f" by {alert.resolved_by}"
    if alert.outcome is AlertOutcome.DETAINER_LIFTED:
        return " by releasewatch: the detainer was lifted"
    if alert.outcome is AlertOutcome.NOT_THE_PERSON:
        return " by releasewatch: the person booked is not the detainer's subject"
    if alert.kind is AlertKind.RELEASED and alert.outcome is AlertOutcome.RELEASE_SUPERSEDED:
        if any(step.what is AlertStep.RELEASE_WITHDRAWN for step in alert.timeline):
            return " by releasewatch: the person was still held, the release inferred from a roster withdrawn"
        return " by releasewatch: the person was transferred before the release"
    if alert.release_status is not None:  # releasewatch closed it: the release time stopped standing
        return f" by releasewatch: the release is {alert.release_status.value}"
    return ""


def acknowledged(alert: Alert, *, by: str, at: datetime) -> Alert | None:
    """The alert once ``by`` acknowledged it; None when it already was (nothing to change).

    A resolved alert is past acknowledging: that is a conflict.
    """
    if alert.status is AlertStatus.ACKNOWLEDGED:
        return None
    if alert.status is AlertStatus.RESOLVED:
        raise AlertLifecycleConflictError(alert, f"alert {alert.alert_id!r} is already resolved{_closed_by(alert)}")
    step = TimelineEntry(at=at, what=AlertStep.ACKNOWLEDGED, by=by)
    return alert.model_copy(
        update={
            "status": AlertStatus.ACKNOWLEDGED,
            "acknowledged_at": at,
            "acknowledged_by": by,
            "timeline": (*alert.timeline, step),
        }
    )


def resolved(alert: Alert, outcome: AlertOutcome, note: str | None, *, by: str, at: datetime) -> Alert | None:
    """The alert once ``by`` resolved it with ``outcome``; None when it already was, with that outcome.

    An open alert may be resolved directly (it is never marked acknowledged). Resolved with another
    outcome already: a conflict.
    """
    if alert.kind is AlertKind.POSSIBLE_MATCH and alert.review is None:
        # Resolving it would leave the pair to be suggested again: a person decides it with confirm or reject.
        raise AlertLifecycleConflictError(
            alert, f"possible match {alert.alert_id!r} is not reviewed yet: confirm or reject it first"
        )
    if alert.status is AlertStatus.RESOLVED:
        if alert.outcome is outcome:
            return None
        already = alert.outcome.value if alert.outcome is not None else "no outcome"
        raise AlertLifecycleConflictError(
            alert,
            f"alert {alert.alert_id!r} was already resolved as {already}{_closed_by(alert)}",
            pointer="#/outcome",
        )
    detail = outcome.value if note is None else f"{outcome.value}: {note}"
    step = TimelineEntry(at=at, what=AlertStep.RESOLVED, by=by, detail=detail)
    return alert.model_copy(
        update={
            "status": AlertStatus.RESOLVED,
            "resolved_at": at,
            "resolved_by": by,
            "outcome": outcome,
            "resolution_note": note,
            "timeline": (*alert.timeline, step),
        }
    )
