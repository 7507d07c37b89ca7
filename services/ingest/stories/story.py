"""A story: every alert of one detainer, read as one account of its subject's time in custody.

Several alerts on one person at once (a booking and a scheduled release in one batch, a transfer and
the booking at the new facility) are one story, not several pages of noise. An alert found to be about someone
else (closed as ``not_the_person``: the facility corrected the person booked, or an officer rejected the possible
match or resolved the alert so) stays in the story as its record, but says nothing of where the subject is or
what matters now: an officer reading the row must not be sent to the jail of a mistake. Nor does a ``released``
alert releasewatch withdrew when the transfer it followed arrived (a release that only closed the booking the
facility moved). Pure: a function of the story's alerts alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from contracts import Alert, AlertKind, AlertOutcome, AlertStatus, AlertStep, ReleaseReason, ReleaseStatus

__all__ = [
    "Story",
    "StoryNow",
    "StoryState",
    "about_someone_else",
    "headline_of",
    "left_on_a_transfer",
    "span_in_words",
    "tell_story",
]

# Of alerts that arose at the same instant, which says more about where the story stands now.
_WEIGHT = {
    AlertKind.POSSIBLE_MATCH: 0,
    AlertKind.IN_CUSTODY: 1,
    AlertKind.RELEASE_SCHEDULED: 2,
    AlertKind.TRANSFERRED: 3,
    AlertKind.RELEASED: 4,
}
_LEAVING = (AlertKind.RELEASED, AlertKind.TRANSFERRED)


class StoryState(StrEnum):
    """What matters now about the person, as the office page's row says it."""

    RELEASE_SCHEDULED = "release_scheduled"  # a release time stands and is ahead: count down to it
    RELEASE_TIME_PASSED = "release_time_passed"  # it went by, no release reported yet (within the grace)
    NO_RELEASE_REPORTED = "no_release_reported"  # it went by, and the grace, with no release reported
    RELEASED = "released"
    TRANSFERRED = "transferred"
    IN_CUSTODY = "in_custody"
    TO_REVIEW = "to_review"  # only a possible match so far: nothing is known until a person reviews it
    DETAINER_LIFTED = "detainer_lifted"  # the office lifted the detainer: nothing to act on
    NOT_THE_PERSON = "not_the_person"  # every alert so far was about someone else: nothing to act on


class StoryNow(BaseModel):
    """The story's current state: ``state`` and ``at`` for programs, ``summary`` in words (as of the answer)."""

    state: StoryState
    summary: str = Field(examples=["release in 5 h", "released 3 h ago, without notice"])
    at: datetime | None = Field(
        default=None,
        description="The time the state is about: the release time, the release, the transfer, or the booking.",
    )
    facility_ori: str = Field(description="Where the person is, or was last known to be.")
    notice_given: bool | None = Field(default=None, description="For released: whether notice came first.")
    needs_review: bool = Field(description="A possible match in the story waits for a person's review.")


class Story(BaseModel):
    story_id: str
    field_office: str
    detainer_id: str
    facility_ori: str = Field(
        description="Where the person is, or was last known to be: the latest alert's facility "
        "(for a transfer, the facility they were moved to), an alert found to be about someone else aside."
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
    now: StoryNow = Field(description="What matters now, as the office page's row shows it.")


def about_someone_else(alert: Alert) -> bool:
    """Whether ``alert`` was found to be about someone other than the detainer's subject (a correction of the
    person booked, a rejected possible match, an officer's ``not_the_person``)."""
    return alert.outcome is AlertOutcome.NOT_THE_PERSON


def _withdrawn_release(alert: Alert) -> bool:
    """A ``released`` alert releasewatch closed: the release closed a booking the facility had moved, or was inferred
    from a roster and the facility still held the person."""
    return alert.kind is AlertKind.RELEASED and alert.outcome is AlertOutcome.RELEASE_SUPERSEDED


def _newest_first_key(alert: Alert) -> tuple[datetime, int, datetime, str]:
    return (alert.occurred_at, _WEIGHT[alert.kind], alert.raised_at, alert.alert_id)


def _stands(alert: Alert) -> bool:
    """A release schedule whose release time still stands (releasewatch closes the others)."""
    return (
        alert.kind is AlertKind.RELEASE_SCHEDULED
        and alert.scheduled_release_at is not None
        and alert.release_status in (None, ReleaseStatus.SCHEDULED)
    )


def headline_of(alerts: Sequence[Alert]) -> Alert:
    """The alert to act on first (``alerts`` not empty)."""
    unresolved = [alert for alert in alerts if alert.status is not AlertStatus.RESOLVED]
    left = {(alert.facility_ori, alert.booking_number) for alert in alerts if alert.kind in _LEAVING}
    # Per booking the schedule known last is the one that stands; of those, the release soonest.
    standing: dict[tuple[str, str], Alert] = {}
    for alert in unresolved:
        booking = (alert.facility_ori, alert.booking_number)
        if not _stands(alert) or booking in left:
            continue
        if booking not in standing or alert.occurred_at > standing[booking].occurred_at:
            standing[booking] = alert
    if standing:
        return min(standing.values(), key=lambda alert: (alert.scheduled_release_at, alert.alert_id))
    about_subject = [alert for alert in alerts if not about_someone_else(alert)]
    return max(unresolved or about_subject or alerts, key=_newest_first_key)


def span_in_words(span: timedelta) -> str:
    """A duration as a duty officer reads it at a glance: ``45 min``, ``5 h``, ``3 d`` (the page's script says
    it the same way)."""
    minutes = max(int(abs(span).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def current_state(ordered: Sequence[Alert], headline: Alert, now: datetime) -> StoryNow:
    """What matters now (``ordered``: the story's alerts newest first)."""
    # (a possible match releasewatch closed unreviewed, the facility having corrected the person booked, waits for
    # no one)
    needs_review = any(
        a.kind is AlertKind.POSSIBLE_MATCH and a.review is None and a.status is not AlertStatus.RESOLVED
        for a in ordered
    )
    about_subject = [a for a in ordered if not about_someone_else(a)]
    facts = [a for a in about_subject if a.kind is not AlertKind.POSSIBLE_MATCH and not _withdrawn_release(a)]

    def told(state: StoryState, summary: str, where: str, at: datetime | None = None) -> StoryNow:
        return StoryNow(state=state, summary=summary, at=at, facility_ori=where, needs_review=needs_review)

    # The lift's step, on an alert releasewatch closed for it (deliveries of the news may follow it):
    lift = next((step for a in ordered for step in a.timeline if step.what is AlertStep.DETAINER_LIFTED), None)
    if lift is not None:  # no countdown, nothing to review
        at = lift.at
        summary = f"detainer lifted {span_in_words(now - at)} ago"
        return told(StoryState.DETAINER_LIFTED, summary, ordered[0].facility_ori, at).model_copy(
            update={"needs_review": False}
        )
    if not about_subject:
        return told(StoryState.NOT_THE_PERSON, "not the detainer's subject", ordered[0].facility_ori)
    if not facts:
        return told(StoryState.TO_REVIEW, "possible match to review", about_subject[0].facility_ori)
    release_at = headline.scheduled_release_at
    if release_at is not None and _stands(headline) and headline.status is not AlertStatus.RESOLVED:
        if now < release_at:
            return told(
                StoryState.RELEASE_SCHEDULED,
                f"release in {span_in_words(release_at - now)}",
                headline.facility_ori,
                release_at,
            )
        passed = f"release time passed {span_in_words(now - release_at)} ago"
        return told(StoryState.RELEASE_TIME_PASSED, passed, headline.facility_ori, release_at)
    latest = facts[0]
    if left_on_a_transfer(latest) and latest.released_at is not None:
        # Released to another custody (a state prison, another county) whose place the facility did not give: the
        # detainer follows the person, and no notice was owed (the outcome report counts it as a transfer too).
        ago = span_in_words(now - latest.released_at)
        summary = f"transferred out of {latest.facility_ori} {ago} ago, destination not reported"
        return told(StoryState.TRANSFERRED, summary, latest.facility_ori, latest.released_at)
    if latest.kind is AlertKind.RELEASED and latest.released_at is not None:
        notice = "with notice" if latest.notice_given else "without notice"
        if latest.released_early_hours is not None:
            notice += f", {latest.released_early_hours:g} h before the announced time"
        ago = span_in_words(now - latest.released_at)
        summary = f"released {ago} ago, {notice}"
        if latest.release_reason is ReleaseReason.INFERRED_FROM_ROSTER:
            # No release was reported: a roster drawn up then no longer listed the booking. When they left is not
            # known, only that they had by then.
            summary = f"missing from the roster of {ago} ago: left by then, {notice}"
        released = told(StoryState.RELEASED, summary, latest.facility_ori, latest.released_at)
        return released.model_copy(update={"notice_given": bool(latest.notice_given)})
    if latest.kind is AlertKind.TRANSFERRED:
        moved_to = latest.to_facility_ori or latest.facility_ori
        summary = f"transferred to {moved_to} {span_in_words(now - latest.occurred_at)} ago"
        return told(StoryState.TRANSFERRED, summary, moved_to, latest.occurred_at)
    booking = (latest.facility_ori, latest.booking_number)
    here = [a for a in facts if (a.facility_ori, a.booking_number) == booking]
    if any(a.release_status is ReleaseStatus.PASSED for a in here):
        return told(StoryState.NO_RELEASE_REPORTED, "release time passed, no release reported", latest.facility_ori)
    booked = min((a.occurred_at for a in here if a.kind is AlertKind.IN_CUSTODY), default=latest.occurred_at)
    summary = f"in custody at {latest.facility_ori} since {_utc(booked)}"
    return told(StoryState.IN_CUSTODY, summary, latest.facility_ori, booked)


def left_on_a_transfer(alert: Alert) -> bool:
    """A ``released`` alert of a release whose reason is a transfer (no ``transfer`` event: no destination)."""
    return alert.kind is AlertKind.RELEASED and alert.release_reason is ReleaseReason.TRANSFER


def tell_story(story_id: str, alerts: Sequence[Alert], *, now: datetime) -> Story:
    """The story of ``alerts`` (not empty, all of one detainer), as of ``now``."""
    ordered = sorted(alerts, key=_newest_first_key, reverse=True)
    # Where the person is: the latest alert about them, not a suggestion still to be reviewed, nor one found to be
    # about someone else.
    about_subject = [alert for alert in ordered if not about_someone_else(alert)] or ordered
    latest = next(
        (a for a in about_subject if a.kind is not AlertKind.POSSIBLE_MATCH and not _withdrawn_release(a)),
        about_subject[0],
    )
    moved_to = latest.to_facility_ori if latest.kind is AlertKind.TRANSFERRED else None
    headline = headline_of(ordered)
    return Story(
        story_id=story_id,
        field_office=latest.field_office,
        detainer_id=latest.detainer_id,
        facility_ori=moved_to or latest.facility_ori,
        booking_number=None if moved_to else latest.booking_number,
        updated_at=max(alert.raised_at for alert in ordered),
        open_alerts=sum(1 for alert in ordered if alert.status is AlertStatus.OPEN),
        headline=headline,
        alerts=ordered,
        now=current_state(ordered, headline, now),
    )
