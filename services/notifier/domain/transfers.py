"""A release that closed a booking the facility had moved: the ``released`` alert raised before the transfer was
known, closed.

A facility closes the booking of a person it transferred with a release (reason ``transfer``, minutes after the
transfer), or a roster no longer lists it; either may reach releasewatch before the transfer does. Until the
transfer arrives the release reads as one from custody and its ``released`` alert is raised. Once it arrives the
booking's facts say the stay ended by the transfer (``BookingState.left_by_transfer``): the alert rules call for
no ``released`` alert, and a stay seen in the other order raised none. The one raised early is closed, so the
office reads what it reads when the events come in order: resolved as ``release_superseded`` by releasewatch (the
outcome an officer cannot give), a ``release_cancelled`` step naming the transfer and where the person went, its
escalations withdrawn, and the office told once (``alert_updated``). Pure: no I/O.
"""

from __future__ import annotations

from datetime import datetime

from contracts import Alert, AlertOutcome, AlertStep, TimelineEntry
from notifier.domain.alert_rules import closed_by_releasewatch, released_alert_id
from notifier.domain.custody import BookingState

__all__ = ["closed_by_transfer", "release_after_transfer_id"]


def release_after_transfer_id(detainer_ref: str, state: BookingState) -> str | None:
    """The id of the ``released`` alert of the pair that the booking's facts no longer call for, its release having
    closed a booking the facility moved (whether or not it was raised); None when the facts call for it, or for
    none."""
    if state.released_at is None or not state.left_by_transfer:
        return None
    return released_alert_id(detainer_ref, state)


def closed_by_transfer(alert: Alert, state: BookingState, *, at: datetime) -> Alert:
    """``alert`` (a ``released`` alert) closed at ``at``: the facility had transferred the person before the
    release ``state`` holds."""
    step = TimelineEntry(
        at=at,
        what=AlertStep.RELEASE_CANCELLED,
        detail=f"transferred to {state.transferred_to} before the release: no release from custody",
        event_id=state.transfer_stamp[2] if state.transfer_stamp is not None else None,
    )
    return closed_by_releasewatch(alert, step, AlertOutcome.RELEASE_SUPERSEDED)
