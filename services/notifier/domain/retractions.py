"""A release inferred from a roster that the facility's later facts withdrew: the ``released`` alert raised for it,
closed.

A roster that omits a booking releases it by inference, and the office is told ``released``. A later roster listing
the booking again says the person was still held: the booking's state withdraws the release
(``BookingState.releases_retracted``). The alert raised for it is closed, so
the office reads what is true: resolved as ``release_superseded`` by releasewatch (the outcome an officer cannot
give), a ``release_withdrawn`` step saying when the facility still held the person, its escalations withdrawn, and the
office told once (``alert_updated``). A release after it is an alert of its own, and a release time that stood when
the release was inferred stands again as its next episode, a countdown of its own (``domain.custody``). Pure: no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime

from contracts import Alert, AlertKind, AlertOutcome, AlertStep, TimelineEntry
from notifier.domain.alert_rules import AlertFingerprint, closed_by_releasewatch
from notifier.domain.custody import BookingState, RetractedRelease

__all__ = ["closed_as_still_held", "withdrawn_release_ids"]


def withdrawn_release_ids(detainer_ref: str, state: BookingState) -> dict[str, RetractedRelease]:
    """The ids of the ``released`` alerts of the pair whose releases the booking's facts withdrew (whether or not
    each was raised), each with what withdrew it."""
    return {
        AlertFingerprint(
            AlertKind.RELEASED,
            detainer_ref,
            state.facility_ori,
            state.booking_number,
            f"#{number}" if number > 1 else "",
        ).alert_id: retracted
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


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
