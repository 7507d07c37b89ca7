"""A release inferred from a roster that the facility's later facts withdrew: the ``released`` alert raised for it,
closed.

A roster that omits a booking releases it by inference, and the office is told ``released``. A later roster listing
the booking again says the person was still held: the booking's state withdraws the release
(``BookingState.releases_retracted``). The alert raised for it is closed, so
the office reads what is true: resolved as ``release_superseded`` by releasewatch (the outcome an officer cannot
give), a ``release_withdrawn`` step saying when the facility still held the person, its escalations withdrawn, and the
office told once (``alert_updated``). A release after it is an alert of its own, and a release time that stood when
the release was inferred stands again as its next episode, a countdown of its own (``domain.custody``).

A release the facility reports for a time before the roster replaces the inferred one (the roster caught a release
whose event came late): the alert raised for the inference is brought to what the facility reported, its time,
reason and notice (the outcome report counts releases with and without notice from them), with a
``release_reported`` step and the office told once (``as_reported``). Pure: no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime

from contracts import Alert, AlertOutcome, AlertStep, ReleaseReason, TimelineEntry
from notifier.domain.alert_rules import closed_by_releasewatch, release_notice, released_alert_id
from notifier.domain.custody import BookingState, RetractedRelease

__all__ = ["as_reported", "closed_as_still_held", "withdrawn_release_ids"]


def withdrawn_release_ids(detainer_ref: str, state: BookingState) -> dict[str, RetractedRelease]:
    """The ids of the ``released`` alerts of the pair whose releases the booking's facts withdrew (whether or not
    each was raised), each with what withdrew it."""
    return {
        released_alert_id(detainer_ref, state, number): retracted
        for number, retracted in enumerate(state.releases_retracted, start=1)
    }


def closed_as_still_held(alert: Alert, retracted: RetractedRelease, state: BookingState, *, at: datetime) -> Alert:
    """``alert`` (a ``released`` alert) closed at ``at``: a later roster listed the booking its release was inferred
    for."""
    step = TimelineEntry(
        at=at,
        what=AlertStep.RELEASE_WITHDRAWN,
        detail=(
            f"still held at {state.facility_ori} at {_utc(retracted.held_at)}: the release inferred from its roster "
            f"of {_utc(retracted.released_at)} withdrawn"
        ),
        event_id=retracted.event_id,
    )
    return closed_by_releasewatch(alert, step, AlertOutcome.RELEASE_SUPERSEDED)


def as_reported(alert: Alert, state: BookingState, *, at: datetime) -> Alert | None:
    """``alert`` (a ``released`` alert raised for a release inferred from a roster) as of ``at``, once the facility
    reported the release the booking's state now holds, which replaced the inferred one: its time, reason, event and
    notice as the facility's release gives them, a ``release_reported`` step saying what changed. None when it says
    so already (or there is no reported release to say)."""
    if alert.release_reason is not ReleaseReason.INFERRED_FROM_ROSTER or state.released_at is None:
        return None
    if state.release_reason in (None, ReleaseReason.INFERRED_FROM_ROSTER) or state.release_stamp is None:
        return None
    reason = state.release_reason.value if state.release_reason is not None else ""
    step = TimelineEntry(
        at=at,
        what=AlertStep.RELEASE_REPORTED,
        detail=(
            f"release reported by the facility: {reason} at {_utc(state.released_at)} (inferred from its roster "
            f"of {_utc(alert.released_at) if alert.released_at is not None else 'an earlier time'} before)"
        ),
        event_id=state.release_stamp[2],
    )
    cleared: dict[str, object] = dict.fromkeys(_NOTICE_FIELDS)
    return alert.model_copy(
        update={
            "released_at": state.released_at,
            "occurred_at": state.released_at,
            "release_reason": state.release_reason,
            "event_id": state.release_stamp[2],
            **cleared,
            **release_notice(state),
            "timeline": (*alert.timeline, step),
        }
    )


_NOTICE_FIELDS = (
    "notice_given",
    "notice_lead_hours",
    "released_early_hours",
    "released_without_notice",
    "schedule_withheld_by",
)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
