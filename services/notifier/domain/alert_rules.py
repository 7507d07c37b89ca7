"""Which alerts a booking calls for, once its person matched a detainer.

Each alert states a fact of the stay: the person was booked (``in_custody``),
a release was scheduled while they were held (``release_scheduled``, one per
release time as announced: a time announced again after a cancellation or
another time is announced anew), they were released, they were transferred. Rules read the
booking's state, not the event that changed it, and a fact once true stays
true, so the alerts of a stay do not depend on the order its events were
processed in, on redeliveries, or on whether the detainer was lodged before
or after: a stay seen in any order raises the same alerts. Each condition
has a fingerprint and the alert id is derived from it: one condition, one
alert, however often it is evaluated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from contracts import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertStatus,
    AlertStep,
    AlertTrigger,
    MatchDecision,
    MatchEvidence,
    ReleaseReason,
    ReleaseStatus,
    TimelineEntry,
)
from contracts.alerts import digest_id, story_id_for
from notifier.domain.custody import (
    BookingState,
    episode_when_left,
    release_qualifier,
    schedule_episodes,
    standing_episode,
)

__all__ = [
    "AlertCondition",
    "AlertFingerprint",
    "DetainerRef",
    "alert_conditions",
    "alert_id_of",
    "build_alert",
    "closed_by_releasewatch",
    "noting_departure",
    "release_notice",
    "released_alert_id",
    "schedule_qualifier",
]


class DetainerRef(Protocol):
    """What an alert needs of its detainer (a stored ``Detainer`` or the index's compact entry)."""

    @property
    def detainer_id(self) -> str: ...

    @property
    def detainer_ref(self) -> str: ...

    @property
    def field_office(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AlertFingerprint:
    """What makes two alerts the same alert."""

    kind: AlertKind
    detainer_ref: str  # unique across offices (for a detainer lodged when ids were global: its id)
    facility_ori: str
    booking_number: str
    qualifier: str = ""  # e.g. the scheduled time: a new release time is a new condition

    def __str__(self) -> str:
        return "|".join(
            ("v1", self.kind.value, self.detainer_ref, self.facility_ori, self.booking_number, self.qualifier)
        )

    @property
    def alert_id(self) -> str:
        return _alert_id_of(str(self))


@lru_cache(maxsize=16_384)  # a booking's every event asks for the ids of its alerts again: the latest are kept
def _alert_id_of(fingerprint: str) -> str:
    return digest_id("al_", hashlib.sha256(fingerprint.encode()).digest())


@dataclass(frozen=True, slots=True)
class AlertCondition:
    kind: AlertKind
    occurred_at: datetime  # when the condition arose at the facility
    qualifier: str = ""
    scheduled_release_at: datetime | None = None  # release_scheduled: the release time it announces
    release_reason: ReleaseReason | None = None  # release_scheduled: the reason given with it


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def schedule_qualifier(scheduled_release_at: datetime, episode: int = 1) -> str:
    """A ``release_scheduled``'s qualifier: the release time (UTC), and from its second episode on, which one (a
    time announced again once it stopped standing is a new alert; the first keeps the ids alerts had before)."""
    time = _utc_iso(scheduled_release_at)
    return time if episode == 1 else f"{time}#{episode}"


def _schedule_known_before_leaving(state: BookingState) -> bool:
    """Whether a release time was known at the facility before the person left (the release_scheduled
    condition of ``alert_conditions``)."""
    scheduled, known_at = state.scheduled_release_at, state.schedule_known_at
    left_at = min((at for at in (state.released_at, state.transferred_at) if at is not None), default=None)
    return scheduled is not None and known_at is not None and (left_at is None or known_at <= left_at)


# A release this much before the time announced is one the notice did not tell of (a jail's clock, a release
# processed a little ahead of the hour, is not).
_EARLY = timedelta(hours=1)


def release_notice(state: BookingState) -> dict[str, Any]:
    """For a ``released`` alert: whether notice came first, how many hours ahead of the release, and how early the
    release came against the time announced, when it came more than ``_EARLY`` before it. Judged by the release
    time that stood when the person left (``episode_when_left``): a cancellation or a schedule the jail sent after
    the release, arrived before it or not, changes neither."""
    if state.released_at is None:
        return {}
    stood = episode_when_left(state)
    if stood is None:
        return {
            "notice_given": False,
            "released_without_notice": True,
            "schedule_withheld_by": state.schedule_withheld_by,
        }
    # From the first announcement of that release time's episode: the same time sent again told the office nothing
    # new.
    scheduled, known_at = stood.scheduled_release_at, stood.known_at
    lead_hours = round((state.released_at - known_at).total_seconds() / 3600, 1)
    notice: dict[str, Any] = {"notice_given": True, "notice_lead_hours": lead_hours, "released_without_notice": False}
    if scheduled - state.released_at > _EARLY:
        notice["released_early_hours"] = round((scheduled - state.released_at).total_seconds() / 3600, 1)
    return notice


def alert_conditions(
    state: BookingState, decision: MatchDecision = MatchDecision.MATCH, *, every_schedule_seen: bool = False
) -> list[AlertCondition]:
    """The conditions that hold for a booking whose person matched a detainer's subject.

    A possible match raises one ``possible_match`` for a person to review,
    and nothing else until it is confirmed.

    ``every_schedule_seen``: a ``release_scheduled`` for every release time announced while the person
    was here (each episode of it), even one cancelled or replaced since (the custody-event path: what its
    events announced, so processing them again after a crash raises what processing them the first time did,
    and an episode closed since is found closed, not raised anew). Without
    it, only the release time as it stands (a detainer lodged later hears of no cancelled release).
    """
    if state.booked_at is None:
        return []  # events of a stay we never saw booked: no person to speak of
    if decision is MatchDecision.POSSIBLE_MATCH:
        return [AlertCondition(AlertKind.POSSIBLE_MATCH, state.booked_at)]
    conditions = []
    if state.in_custody_notice is not False:  # False: the facility's sharing policy withholds in-custody notices
        conditions.append(AlertCondition(AlertKind.IN_CUSTODY, state.booked_at))  # booked: whatever followed
    scheduled, known_at = state.scheduled_release_at, state.schedule_known_at
    if _schedule_known_before_leaving(state) and scheduled is not None and known_at is not None:
        conditions.append(
            AlertCondition(
                AlertKind.RELEASE_SCHEDULED,
                known_at,
                schedule_qualifier(scheduled, standing_episode(state)),
                scheduled_release_at=scheduled,
                release_reason=state.scheduled_release_reason,
            )
        )
    if every_schedule_seen:
        left_at = min((at for at in (state.released_at, state.transferred_at) if at is not None), default=None)
        current = {condition.qualifier for condition in conditions}
        for seen in schedule_episodes(state):  # each episode of each time, closed since or not
            qualifier = schedule_qualifier(seen.scheduled_release_at, seen.episode)
            if qualifier not in current and (left_at is None or seen.known_at <= left_at):
                current.add(qualifier)
                conditions.append(
                    AlertCondition(
                        AlertKind.RELEASE_SCHEDULED,
                        seen.known_at,
                        qualifier,
                        scheduled_release_at=seen.scheduled_release_at,
                        release_reason=seen.release_reason,
                    )
                )
    if state.released_at is not None and state.release_withheld_by is None and not state.left_by_transfer:
        conditions.append(AlertCondition(AlertKind.RELEASED, state.released_at, release_qualifier(state)))
    if state.transferred_at is not None and state.transferred_to is not None:
        conditions.append(AlertCondition(AlertKind.TRANSFERRED, state.transferred_at, state.transferred_to))
    return conditions


def released_alert_id(detainer_ref: str, state: BookingState, number: int | None = None) -> str:
    """The id of the ``released`` alert the booking's release as it stands calls for (or would) with the detainer
    ``detainer_ref``: its first, or the one after releases inferred from rosters were withdrawn (``number``: of the
    stay's ``number``-th release instead, 1 the first)."""
    return AlertFingerprint(
        AlertKind.RELEASED, detainer_ref, state.facility_ori, state.booking_number, release_qualifier(state, number)
    ).alert_id


def alert_id_of(condition: AlertCondition, state: BookingState, detainer: DetainerRef) -> str:
    """The id of the alert ``condition`` calls for on ``state``'s booking with ``detainer``."""
    return AlertFingerprint(
        condition.kind, detainer.detainer_ref, state.facility_ori, state.booking_number, condition.qualifier
    ).alert_id


def _left_custody_at(state: BookingState) -> datetime | None:
    """When the person left the stay, as the office may be told it (a release a sharing policy withholds aside), if
    they have left: an ``in_custody`` alert raised after that says so, not that they are held."""
    released = state.released_at if state.release_withheld_by is None else None
    return min((at for at in (released, state.transferred_at) if at is not None), default=None)


def noting_departure(alert: Alert, state: BookingState) -> Alert:
    """``alert`` as built, and if it is an ``in_custody`` alert of a stay ``state`` (the booking as the batch leaves
    it) shows over, saying when the person left: a booking and its release in one batch build the alert at the
    booking, yet the office hears of both at once."""
    if alert.kind is not AlertKind.IN_CUSTODY or alert.left_custody_at is not None:
        return alert
    left = _left_custody_at(state)
    return alert if left is None else alert.model_copy(update={"left_custody_at": left})


def build_alert(
    condition: AlertCondition,
    state: BookingState,
    detainer: DetainerRef,
    evidence: MatchEvidence,
    *,
    trigger: AlertTrigger,
    event_id: str | None,
    raised_at: datetime,
    alert_id: str | None = None,
) -> Alert:
    """The alert ``condition`` calls for (``alert_id``: its id, when known already; see ``alert_id_of``), as first
    written: its timeline starts with being raised (the record is its own history). An ``in_custody`` alert of a
    stay already over when it is raised carries when the person left (``left_custody_at``): it tells of a booking,
    and must not read as if the person were held."""
    is_schedule = condition.kind is AlertKind.RELEASE_SCHEDULED
    is_release = condition.kind is AlertKind.RELEASED
    return Alert(
        alert_id=alert_id_of(condition, state, detainer) if alert_id is None else alert_id,
        kind=condition.kind,
        field_office=detainer.field_office,
        detainer_id=detainer.detainer_id,
        detainer_ref=detainer.detainer_ref,
        facility_ori=state.facility_ori,
        booking_number=state.booking_number,
        raised_at=raised_at,
        occurred_at=condition.occurred_at,
        trigger=trigger,
        story_id=story_id_for(detainer.detainer_ref),  # one story per detainer, across bookings and facilities
        event_id=event_id,
        scheduled_release_at=condition.scheduled_release_at if is_schedule else None,
        release_status=ReleaseStatus.SCHEDULED if is_schedule else None,  # until the notifier sees otherwise
        release_reason=(condition.release_reason if is_schedule else state.release_reason if is_release else None),
        released_at=state.released_at if is_release else None,
        to_facility_ori=state.transferred_to if condition.kind is AlertKind.TRANSFERRED else None,
        left_custody_at=_left_custody_at(state) if condition.kind is AlertKind.IN_CUSTODY else None,
        person=state.person,
        match=evidence,
        timeline=(_raised_step(raised_at, trigger),),
        **(release_notice(state) if is_release else {}),
    )


def _raised_step(at: datetime, trigger: AlertTrigger) -> TimelineEntry:
    return TimelineEntry(at=at, what=AlertStep.RAISED, detail=trigger.value)


def closed_by_releasewatch(alert: Alert, step: TimelineEntry, outcome: AlertOutcome) -> Alert:
    """``alert`` resolved by releasewatch itself (no ``resolved_by``) at ``step``'s time with ``outcome``, ``step``
    ending its timeline: what was raised no longer calls for anyone (a correction named someone else, the office
    lifted the detainer). A release schedule among them leaves ``scheduled`` as ``cancelled``: for that office
    there is no release to act on."""
    update: dict[str, object] = {
        "status": AlertStatus.RESOLVED,
        "resolved_at": step.at,
        "resolved_by": None,
        "outcome": outcome,
        "timeline": (*alert.timeline, step),
    }
    if alert.release_status is ReleaseStatus.SCHEDULED:
        update["release_status"] = ReleaseStatus.CANCELLED
    return alert.model_copy(update=update)
