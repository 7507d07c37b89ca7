"""A story: every alert of one detainer, read as one account of its subject's time in custody.

Several alerts on one person at once (a booking and a scheduled release in one batch, a transfer and
the booking at the new facility) are one story, not several pages of noise. Pure: a function of the
story's alerts alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from contracts import Alert, AlertKind, AlertStatus

__all__ = ["Story", "headline_of", "tell_story"]

# Of alerts that arose at the same instant, which says more about where the story stands now.
_WEIGHT = {
    AlertKind.POSSIBLE_MATCH: 0,
    AlertKind.IN_CUSTODY: 1,
    AlertKind.RELEASE_SCHEDULED: 2,
    AlertKind.TRANSFERRED: 3,
    AlertKind.RELEASED: 4,
}
_LEAVING = (AlertKind.RELEASED, AlertKind.TRANSFERRED)


class Story(BaseModel):
    story_id: str
    field_office: str
    detainer_id: str
    facility_ori: str = Field(
        description="Where the person is, or was last known to be: the latest alert's facility "
        "(for a transfer, the facility they were moved to)."
    )
    booking_number: str | None = Field(
        description="Their booking there; none after a transfer, until the new facility books them."
    )
    updated_at: datetime = Field(description="When the story's latest alert was raised.")
    open_alerts: int = Field(description="How many of its alerts are open (neither acknowledged nor resolved).")
    headline: Alert = Field(
        description="The alert to act on first: the nearest release still scheduled at a facility the person "
        "has not left; else the latest alert not resolved; else the latest alert."
    )
    alerts: list[Alert] = Field(description="Newest first, by when each arose at the facility.")


def _newest_first_key(alert: Alert) -> tuple[datetime, int, datetime, str]:
    return (alert.occurred_at, _WEIGHT[alert.kind], alert.raised_at, alert.alert_id)


def headline_of(alerts: Sequence[Alert]) -> Alert:
    """The alert to act on first (``alerts`` not empty)."""
    unresolved = [alert for alert in alerts if alert.status is not AlertStatus.RESOLVED]
    left = {(alert.facility_ori, alert.booking_number) for alert in alerts if alert.kind in _LEAVING}
    # Per booking the schedule known last is the one that stands; of those, the release soonest.
    standing: dict[tuple[str, str], Alert] = {}
    for alert in unresolved:
        booking = (alert.facility_ori, alert.booking_number)
        if alert.kind is not AlertKind.RELEASE_SCHEDULED or alert.scheduled_release_at is None or booking in left:
            continue
        if booking not in standing or alert.occurred_at > standing[booking].occurred_at:
            standing[booking] = alert
    if standing:
        return min(standing.values(), key=lambda alert: (alert.scheduled_release_at, alert.alert_id))
    return max(unresolved or alerts, key=_newest_first_key)


def tell_story(story_id: str, alerts: Sequence[Alert]) -> Story:
    """The story of ``alerts`` (not empty, all of one detainer)."""
    ordered = sorted(alerts, key=_newest_first_key, reverse=True)
    # Where the person is: the latest alert about them, not a suggestion still to be reviewed.
    latest = next((alert for alert in ordered if alert.kind is not AlertKind.POSSIBLE_MATCH), ordered[0])
    moved_to = latest.to_facility_ori if latest.kind is AlertKind.TRANSFERRED else None
    return Story(
        story_id=story_id,
        field_office=latest.field_office,
        detainer_id=latest.detainer_id,
        facility_ori=moved_to or latest.facility_ori,
        booking_number=None if moved_to else latest.booking_number,
        updated_at=max(alert.raised_at for alert in ordered),
        open_alerts=sum(1 for alert in ordered if alert.status is AlertStatus.OPEN),
        headline=headline_of(ordered),
        alerts=ordered,
    )
