"""Where a ``release_scheduled`` alert's release time stands, by the booking's state, and the alert once closed.

A release time stops standing when the facility cancels it, replaces it with another, releases the person
(or transfers them before it), or when it goes by, plus a grace, with no release reported. Which of these
happened is a function of the booking's facts, not of the order the notifier saw them in: the release
time's successor is the first fact stamped after it was announced (a cancellation, or another release
time), else the schedule as it stands now; but a release time that still stood when the person left ends
with their leaving, whatever the facility sent after it (a jail cancels the release it had pending once the
person is out). A time announced again after that is announced anew: an
episode of its own with an alert of its own, while the earlier one stays closed. Pure: no I/O, and the
clock is passed in.

Leaving ``scheduled`` is final: the alert is closed (resolved as ``release_superseded``, unless a person
resolved it already, whose outcome stays) and never reopened. One step more is taken from ``passed`` alone: a
time gone by with no release reported that the facility then cancels, or replaces with another (it held the
person past it, on the detainer say), reads ``cancelled`` or ``rescheduled``, as it would had the facility said
so within the grace: "no release reported" would keep an office asking whether the person is held, which the
facility has answered. A release schedule whose release time no longer
stands when it is first created (an older schedule delivered after a newer one, one delivered after the release
or its cancellation) is created closed (``closed_on_arrival``): recorded, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from contracts import Alert, AlertKind, AlertOutcome, AlertStatus, AlertStep, ReleaseStatus, TimelineEntry
from notifier.domain.alert_rules import AlertFingerprint, released_alert_id, schedule_qualifier
from notifier.domain.custody import (
    BookingState,
    ScheduleEpisode,
    episode_when_left,
    schedule_episodes,
    standing_episode,
)

__all__ = ["ReleaseChange", "closed", "closed_on_arrival", "release_change", "renewed_from", "schedule_alert_ids"]


@dataclass(frozen=True, slots=True)
class ReleaseChange:
    """What became of an alert's release time."""

    status: ReleaseStatus
    step: AlertStep
    event_id: str | None  # the custody event that caused it (none for a time that passed)
    superseded_by: str | None  # the alert of the new release time, or the released alert
    detail: str


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _alert_id(alert: Alert, kind: AlertKind, qualifier: str = "") -> str:
    return AlertFingerprint(kind, alert.detainer_ref, alert.facility_ori, alert.booking_number, qualifier).alert_id


def _rescheduled(alert: Alert, to: datetime, episode: int, event_id: str | None) -> ReleaseChange:
    """Replaced by ``to`` as announced in its ``episode``: ``superseded_by`` that episode's alert."""
    return ReleaseChange(
        ReleaseStatus.RESCHEDULED,
        AlertStep.RESCHEDULED,
        event_id,
        _alert_id(alert, AlertKind.RELEASE_SCHEDULED, schedule_qualifier(to, episode)),
        f"rescheduled to {_iso(to)}",
    )


def _cancelled(event_id: str | None) -> ReleaseChange:
    return ReleaseChange(ReleaseStatus.CANCELLED, AlertStep.RELEASE_CANCELLED, event_id, None, "release cancelled")


def _episode_of(alert: Alert, state: BookingState) -> ScheduleEpisode | None:
    """The episode of its release time ``alert`` was raised for (none if none kept has its id)."""
    return next(
        (
            episode
            for episode in schedule_episodes(state)
            if episode.scheduled_release_at == alert.scheduled_release_at
            and _alert_id(
                alert, AlertKind.RELEASE_SCHEDULED, schedule_qualifier(alert.scheduled_release_at, episode.episode)
            )
            == alert.alert_id
        ),
        None,
    )


def _superseded(alert: Alert, episode: ScheduleEpisode | None, state: BookingState) -> ReleaseChange:
    """The release time no longer stands as ``alert`` announced it (``episode``): what came first after that."""
    if episode is None:  # (an alert of an episode kept no longer: the time's first announcement kept)
        scheduled = alert.scheduled_release_at
        episode = next((e for e in schedule_episodes(state) if e.scheduled_release_at == scheduled), None)
    known_at, known_by = (episode.known_at, episode.event_id or "") if episode else (alert.occurred_at, "")
    # (when, rank, event id): a cancellation at the very instant of a schedule outranks it, as in the fold.
    successors: list[tuple[datetime, int, str, datetime | None, int]] = [
        (c.at, 1, c.event_id, None, 0) for c in state.cancellations_seen if c.at >= known_at
    ]
    # Another time's announcement: each is the first of its episode or follows one after this alert's.
    successors += [
        (s.known_at, 0, s.event_id or "", s.scheduled_release_at, s.episode)
        for s in state.schedules_seen
        if s.scheduled_release_at != alert.scheduled_release_at
        and (s.known_at, s.event_id or "") > (known_at, known_by)
    ]
    if successors:
        _, _, next_event, new_time, new_episode = min(successors, key=lambda found: found[:3])
        if new_time is None:
            return _cancelled(next_event)
        return _rescheduled(alert, new_time, new_episode, next_event or None)
    # Facts kept no longer (more than the states keep): the schedule as it stands decides.
    last_event = state.schedule_stamp[2] if state.schedule_stamp is not None else None
    if state.scheduled_release_at is None:
        return _cancelled(last_event)
    return _rescheduled(alert, state.scheduled_release_at, standing_episode(state), last_event)


def schedule_alert_ids(detainer_ref: str, state: BookingState) -> list[str]:
    """The ids of the release_scheduled alerts the booking's release times call for (or called for) with the
    detainer ``detainer_ref``: one per episode of each release time announced during the stay, whether or not
    it was raised."""
    episodes = [(seen.scheduled_release_at, seen.episode) for seen in state.schedules_seen]
    if state.scheduled_release_at is not None:
        episodes.append((state.scheduled_release_at, standing_episode(state)))
    return list(
        dict.fromkeys(
            AlertFingerprint(
                AlertKind.RELEASE_SCHEDULED,
                detainer_ref,
                state.facility_ori,
                state.booking_number,
                schedule_qualifier(time, episode),
            ).alert_id
            for time, episode in episodes
        )
    )


def _renewed_by_withdrawal(state: BookingState, time: datetime, episode: int) -> bool:
    """Whether the release time's standing episode follows ``episode`` only because a release inferred from a roster
    was withdrawn (``domain.custody``): the time stood all along, so an alert of ``episode`` that release did not
    close (it was held by feed health) still stands."""
    if not state.releases_retracted or standing_episode(state) != episode + 1:
        return False
    withdrawals = {(retracted.held_at, retracted.event_id) for retracted in state.releases_retracted}
    return any(
        (seen.scheduled_release_at, seen.episode) == (time, episode + 1)
        and (seen.known_at, seen.event_id) in withdrawals
        for seen in state.schedules_seen
    )


def renewed_from(alert: Alert, state: BookingState) -> str | None:
    """For a release schedule (``alert``) whose episode began only because a release inferred from a roster was
    withdrawn: the id of the alert of the episode before, which that release closed, or, held by feed health, may
    still stand (then it is the countdown, and this one is not raised beside it). None for any other alert."""
    time = alert.scheduled_release_at
    if alert.kind is not AlertKind.RELEASE_SCHEDULED or time is None or not state.releases_retracted:
        return None
    episode = _episode_of(alert, state)
    if episode is None or episode.episode < 2 or not _renewed_by_withdrawal(state, time, episode.episode - 1):
        return None
    return _alert_id(alert, AlertKind.RELEASE_SCHEDULED, schedule_qualifier(time, episode.episode - 1))


def release_change(
    alert: Alert, state: BookingState, *, now: datetime | None, overdue_after: timedelta
) -> ReleaseChange | None:
    """What became of ``alert``'s release time by ``state`` (its booking's) as of ``now``; None while it stands,
    for an alert that is not a release schedule, or one whose release time left ``scheduled`` already (save a
    time that ``passed`` and was cancelled or replaced since).

    ``overdue_after``: how long after the release time a person still reported in custody, with no release
    reported, makes the time ``passed``. ``now`` None: the facts alone are judged, not the time passing."""
    scheduled = alert.scheduled_release_at
    if alert.kind is not AlertKind.RELEASE_SCHEDULED or scheduled is None:
        return None
    passed = alert.release_status is ReleaseStatus.PASSED
    if alert.release_status not in (None, ReleaseStatus.SCHEDULED) and not passed:
        return None  # final
    if state.booked_at is None and not state.schedules_seen:
        return None  # nothing known of the booking (not kept any more): nothing to conclude
    episode = _episode_of(alert, state)
    released = state.released_at is not None and state.release_withheld_by is None and not state.left_by_transfer
    stood = episode_when_left(state) if released or state.transferred_at is not None else None
    stood_when_left = stood is not None and (stood.scheduled_release_at, stood.episode) == (
        scheduled,
        episode.episode if episode is not None else stood.episode,
    )
    if not stood_when_left and (
        state.scheduled_release_at != scheduled
        or (
            episode is not None
            and episode.episode != standing_episode(state)
            and not _renewed_by_withdrawal(state, scheduled, episode.episode)
        )
    ):
        return _superseded(alert, episode, state)  # another time stands, or this one announced anew
    if passed:
        return None  # (only a cancellation or another time tells more of a time gone by: the release, its own alert)
    # A withheld release tells nothing; one reported after a transfer is the facility closing the booking it moved.
    if released and state.released_at is not None:
        return ReleaseChange(
            ReleaseStatus.RELEASED,
            AlertStep.RELEASED,
            state.release_stamp[2] if state.release_stamp is not None else None,
            released_alert_id(alert.detainer_ref, state),
            f"released {_iso(state.released_at)}",
        )
    if state.transferred_at is not None:
        return ReleaseChange(
            ReleaseStatus.CANCELLED,
            AlertStep.RELEASE_CANCELLED,
            state.transfer_stamp[2] if state.transfer_stamp is not None else None,
            None,
            f"transferred to {state.transferred_to} before the release",
        )
    if now is not None and now >= scheduled + overdue_after:
        minutes = int(overdue_after.total_seconds() // 60)
        return ReleaseChange(
            ReleaseStatus.PASSED,
            AlertStep.RELEASE_TIME_PASSED,
            None,
            None,
            f"no release reported {minutes} min after the release time",
        )
    return None


def closed(alert: Alert, change: ReleaseChange, *, at: datetime) -> Alert:
    """``alert`` once releasewatch closed it for ``change`` (at ``at``): resolved as ``release_superseded``
    unless a person resolved it already (their outcome stays); an acknowledgement stays on the timeline."""
    step = TimelineEntry(at=at, what=change.step, detail=change.detail, event_id=change.event_id)
    update: dict[str, object] = {
        "release_status": change.status,
        "superseded_by": change.superseded_by,
        "timeline": (*alert.timeline, step),
    }
    if alert.status is not AlertStatus.RESOLVED:
        update |= {
            "status": AlertStatus.RESOLVED,
            "resolved_at": at,
            "resolved_by": None,
            "outcome": AlertOutcome.RELEASE_SUPERSEDED,
        }
    return alert.model_copy(update=update)


def closed_on_arrival(alert: Alert, change: ReleaseChange) -> Alert:
    """``alert``, as built and not created yet, created closed for ``change``: its release time no longer stood
    when it arrived. Closed as ``closed`` closes it (resolved as ``release_superseded`` by nobody, its release
    status and ``superseded_by``) at the instant it is recorded; its timeline is the step that closed it alone,
    naming the event that did, and no ``raised`` step: it was never raised, and no channel announces it."""
    arrived = replace(change, detail=f"{change.detail} (so when it arrived: not announced)")
    return closed(alert.model_copy(update={"timeline": ()}), arrived, at=alert.raised_at)
