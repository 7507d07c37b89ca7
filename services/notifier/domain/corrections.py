"""A booking whose person the facility corrected: the alerts raised for a detainer it no longer matches.

Alerts state facts of a stay, and a fact once true stays true, save one: that the person booked is the
detainer's subject. When a correction (``booking_updated``) makes the booked person someone the detainer's subject
no longer matches, and no one confirmed the match, what was raised for that detainer on that booking was about the
wrong person: each of those alerts not resolved yet is closed (resolved as ``not_the_person`` by releasewatch, a
``identity_corrected`` step naming the correction), its reminders and escalations withdrawn, and the office told
once (``alert_updated``). A release schedule among them leaves ``scheduled`` as ``cancelled``: for that office
there is no release to act on.

A correction the facility takes back (a clerk edited the wrong booking, then put it back) makes the person booked
the detainer's subject again, and the alerts it closed are what the pair calls for again, under the same ids: each
is reopened (``restored``: open, or acknowledged if it was, a release schedule ``scheduled`` again, an
``identity_restored`` step naming the event), and the office told once; a release schedule whose time stopped
standing meanwhile is then closed as ever. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from datetime import datetime

from contracts import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertStatus,
    AlertStep,
    ReleaseStatus,
    ReviewDecision,
    TimelineEntry,
)
from notifier.domain.alert_rules import AlertFingerprint, closed_by_releasewatch, released_alert_id
from notifier.domain.custody import BookingState
from notifier.domain.release_schedules import schedule_alert_ids
from notifier.domain.retractions import withdrawn_release_ids
from notifier.domain.reviews import BookingReview

__all__ = ["closed_by_correction", "no_longer_matched", "pair_alert_ids", "restored", "withdrawn"]

_DETAIL = "the facility corrected the person booked: no longer this detainer's subject"


def no_longer_matched(
    matched_before: Iterable[str], matched_now: Set[str], reviews: Mapping[str, BookingReview] | None
) -> list[str]:
    """The detainers (by reference) the booking's person matched before a correction and matches no longer, save
    those a person confirmed for the booking (a confirmation outranks what the matcher says)."""
    confirmed = {
        review.detainer_ref for review in (reviews or {}).values() if review.decision is ReviewDecision.CONFIRMED
    }
    return sorted({ref for ref in matched_before if ref not in matched_now and ref not in confirmed})


def pair_alert_ids(detainer_ref: str, state: BookingState) -> list[str]:
    """Every alert the booking may have been raised for with ``detainer_ref``, whether or not it was."""
    facility, booking = state.facility_ori, state.booking_number
    kinds = (AlertKind.IN_CUSTODY, AlertKind.POSSIBLE_MATCH)
    ids = [AlertFingerprint(kind, detainer_ref, facility, booking, "").alert_id for kind in kinds]
    ids += [*withdrawn_release_ids(detainer_ref, state), released_alert_id(detainer_ref, state)]
    if state.transferred_to is not None:
        ids.append(
            AlertFingerprint(AlertKind.TRANSFERRED, detainer_ref, facility, booking, state.transferred_to).alert_id
        )
    return ids + schedule_alert_ids(detainer_ref, state)


def withdrawn(alert: Alert, *, at: datetime, event_id: str | None) -> Alert:
    """``alert`` closed at ``at`` because the correction ``event_id`` made its booking's person someone else."""
    step = TimelineEntry(at=at, what=AlertStep.IDENTITY_CORRECTED, detail=_DETAIL, event_id=event_id)
    return closed_by_releasewatch(alert, step, AlertOutcome.NOT_THE_PERSON)


_RESTORED = "the facility corrected the person booked back: this detainer's subject again"


def closed_by_correction(alert: Alert) -> bool:
    """Whether releasewatch closed ``alert`` because a correction made the person booked someone else (not a person's
    decision, nor anything since)."""
    return (
        alert.status is AlertStatus.RESOLVED
        and alert.resolved_by is None
        and alert.outcome is AlertOutcome.NOT_THE_PERSON
        and bool(alert.timeline)
        and alert.timeline[-1].what is AlertStep.IDENTITY_CORRECTED
    )


def restored(alert: Alert, *, at: datetime, event_id: str | None) -> Alert:
    """``alert`` (closed by a correction) reopened at ``at``: the correction ``event_id`` made the person booked the
    detainer's subject again. Open, or acknowledged if someone had acknowledged it; a release schedule the
    correction left ``cancelled`` is ``scheduled`` again (whether its time still stands is judged after)."""
    step = TimelineEntry(at=at, what=AlertStep.IDENTITY_RESTORED, detail=_RESTORED, event_id=event_id)
    update: dict[str, object] = {
        "status": AlertStatus.ACKNOWLEDGED if alert.acknowledged_at is not None else AlertStatus.OPEN,
        "resolved_at": None,
        "resolved_by": None,
        "outcome": None,
        "timeline": (*alert.timeline, step),
    }
    if alert.kind is AlertKind.RELEASE_SCHEDULED and alert.release_status is ReleaseStatus.CANCELLED:
        update["release_status"] = ReleaseStatus.SCHEDULED
    return alert.model_copy(update=update)
