"""What follows an alert: the reminders before a release, the escalations of an alert nobody acknowledged, and
the check that a release time passed. Pure: the alert, the policy and the time in; jobs and decisions out.

**The plan** (``jobs_for``), as of when the alert is raised:

- a ``release_scheduled`` alert gets a reminder at each lead time before the
  release (``RW_REMINDER_LEADS``, default 72 h, 48 h, 24 h, 4 h) that has not
  passed yet: a release 10 h ahead gets only the 4 h reminder; and a release
  check ``RW_RELEASE_OVERDUE_MINUTES`` after the release time;
- every alert gets escalations, one per level (``RW_ESCALATION_LEVELS``), due
  ``RW_ESCALATION_AFTER_SECONDS`` apart after it was raised, or
  ``RW_ESCALATION_URGENT_AFTER_SECONDS`` apart when the release is within
  ``RW_ESCALATION_URGENT_WITHIN_HOURS``.

**When a job is due** (``what_a_job_does``), it is decided from the facts as they are then:

- a reminder goes out only while the person is still in custody with that very
  release time, the detainer is active, the alert is not resolved, and the
  release is still ahead: never after the release time;
- a reminder due together with a nearer one of the same alert (the notifier was
  down when both fell due) is dropped: the nearer one goes out alone; and one
  that goes out more than ``_LATE`` after its time says how far the release
  really is, not its lead (``time_left_words``): an office told "4 h" when one
  is left would plan on hours it does not have;
- an escalation goes out only while the alert is still ``open`` and the detainer
  active: acknowledging (or resolving) the alert, or lifting the detainer, stops it;
  and an ``in_custody`` alert's, only while the person is in custody there: once
  the booking shows them released or moved, the ``released`` or ``transferred``
  alert is the one to act on (an ``in_custody`` alert raised late, say when a
  possible match is confirmed after the release, pages no one about a stay that
  is over).

A job's id names its alert, its kind and its lead or level, so each is planned once and run once.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from contracts import Alert, AlertKind, AlertNotice, AlertStatus, AlertStep, TimelineEntry

__all__ = [
    "Job",
    "JobKind",
    "SchedulePolicy",
    "describe_duration",
    "job_ids_of",
    "jobs_for",
    "marker_seconds",
    "parse_durations",
    "reminder_still_called_for",
    "reminders_nearer_due",
    "time_left_words",
    "what_a_job_does",
]

_MARKER_SLACK = timedelta(days=7)  # the planned marker outlives the alert's last job by this much
# A reminder sent this much after its time (the notifier was down) says how far the release really is.
_LATE = timedelta(minutes=15)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_durations(text: str) -> tuple[float, ...]:
    """``"72h,48h,24h,4h"`` (units s, m, h, d; none: seconds) as seconds, longest first."""
    durations = []
    for part in text.split(","):
        if not part.strip():
            continue
        found = _DURATION.match(part)
        if found is None:
            raise ValueError(f"not a duration: {part.strip()!r} (write e.g. 72h, 30m, 45s)")
        seconds = float(found.group(1)) * _UNIT_SECONDS[found.group(2)]
        if seconds <= 0:
            raise ValueError("a duration must be more than zero")
        durations.append(seconds)
    return tuple(sorted(set(durations), reverse=True))


def describe_duration(seconds: float) -> str:
    """``72h``, ``30m``, ``45s``: how a lead time reads in a job id and on a timeline."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


class JobKind(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"
    RELEASE_CHECK = "release_check"  # after a release time and its grace: did a release come?


class Job(BaseModel):
    """One reminder or escalation of one alert (identity: the alert, the kind and the lead or level)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: JobKind
    alert_id: str
    due_at: datetime
    release_at: datetime | None = None  # reminders: the release time it reminds of
    lead_seconds: float | None = None  # reminders: how long before the release
    level: int | None = None  # escalations: 1, 2, ...
    facility_ori: str
    booking_number: str
    detainer_id: str
    detainer_ref: str | None = None  # the index's key (jobs planned before references existed: the id)

    @property
    def job_id(self) -> str:
        return _job_id(self.alert_id, self.kind, lead_seconds=self.lead_seconds, level=self.level)


def _job_id(alert_id: str, kind: JobKind, *, lead_seconds: float | None = None, level: int | None = None) -> str:
    if kind is JobKind.RELEASE_CHECK:
        return f"{alert_id}|{kind.value}"
    qualifier = describe_duration(lead_seconds or 0) if kind is JobKind.REMINDER else str(level)
    return f"{alert_id}|{kind.value}|{qualifier}"


class SchedulePolicy(BaseModel):
    """The lead times and escalation windows (from the notifier's settings)."""

    model_config = ConfigDict(frozen=True)

    reminder_leads_seconds: tuple[float, ...] = (72 * 3600, 48 * 3600, 24 * 3600, 4 * 3600)
    escalation_after_seconds: float = 3600
    escalation_urgent_after_seconds: float = 900
    escalation_urgent_within_seconds: float = 48 * 3600
    escalation_levels: int = 2
    release_overdue_seconds: float = 3600  # after a release time, how long before it is "passed"

    @property
    def levels(self) -> range:
        return range(1, self.escalation_levels + 1)


def jobs_for(alert: Alert, now: datetime, policy: SchedulePolicy) -> list[Job]:
    """The jobs ``alert`` calls for, as of ``now`` (none for an alert no longer open)."""
    if alert.status is not AlertStatus.OPEN:
        return []
    jobs: list[Job] = []

    def job(kind: JobKind, due: datetime, **what: Any) -> Job:
        return Job(
            kind=kind,
            alert_id=alert.alert_id,
            due_at=due,
            facility_ori=alert.facility_ori,
            booking_number=alert.booking_number,
            detainer_id=alert.detainer_id,
            detainer_ref=alert.detainer_ref,
            **what,
        )

    release = alert.scheduled_release_at
    if alert.kind is AlertKind.RELEASE_SCHEDULED and release is not None:
        for lead in policy.reminder_leads_seconds:
            due = release - timedelta(seconds=lead)
            if due > now:
                jobs.append(job(JobKind.REMINDER, due, release_at=release, lead_seconds=lead))
        overdue = release + timedelta(seconds=policy.release_overdue_seconds)
        jobs.append(job(JobKind.RELEASE_CHECK, overdue, release_at=release))  # due at once if past already
    urgent = release is not None and release - alert.raised_at <= timedelta(
        seconds=policy.escalation_urgent_within_seconds
    )
    window = timedelta(seconds=policy.escalation_urgent_after_seconds if urgent else policy.escalation_after_seconds)
    for level in policy.levels:
        jobs.append(job(JobKind.ESCALATION, alert.raised_at + window * level, level=level))
    return jobs


def job_ids_of(alert: Alert, policy: SchedulePolicy) -> list[str]:
    """Every job ``policy`` may plan for ``alert``, due or done or not: what closing it withdraws."""
    ids = [_job_id(alert.alert_id, JobKind.ESCALATION, level=level) for level in policy.levels]
    if alert.kind is AlertKind.RELEASE_SCHEDULED:
        ids += [_job_id(alert.alert_id, JobKind.REMINDER, lead_seconds=lead) for lead in policy.reminder_leads_seconds]
        ids.append(_job_id(alert.alert_id, JobKind.RELEASE_CHECK))
    return ids


def marker_seconds(jobs: list[Job], now: datetime) -> int:
    """How long the "planned" marker of an alert with ``jobs`` lives (s): past its last job, by a week."""
    last_due = max(job.due_at for job in jobs)
    return max(int((last_due - now + _MARKER_SLACK).total_seconds()), 1)


def time_left_words(lead_seconds: float, release_at: datetime, sent_at: datetime) -> str | None:
    """How far the release is, in words (``46h30m``, ``1h``, ``20m``), for a reminder of ``lead_seconds`` sent at
    ``sent_at`` more than ``_LATE`` after its time; None for one sent on time (its lead says it). Rounded down to
    the minute: an office is never told it has more time than it has."""
    left = (release_at - sent_at).total_seconds()
    if lead_seconds - left <= _LATE.total_seconds():
        return None
    minutes = max(int(left // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h" if not minutes else f"{hours}h{minutes:02d}m"


def reminders_nearer_due(jobs: list[Job]) -> set[str]:
    """The ids of the reminders among ``jobs`` (those due now) that a nearer reminder of the same alert, due too,
    makes pointless: after an outage the 72 h and the 48 h reminders fall due together, and only the nearer one
    tells the office where the release stands."""
    nearest: dict[str, float] = {}
    for job in jobs:
        if job.kind is JobKind.REMINDER and job.lead_seconds is not None:
            nearest[job.alert_id] = min(job.lead_seconds, nearest.get(job.alert_id, job.lead_seconds))
    return {
        job.job_id
        for job in jobs
        if job.kind is JobKind.REMINDER and job.lead_seconds is not None and job.lead_seconds > nearest[job.alert_id]
    }


def reminder_still_called_for(
    job: Job, now: datetime, *, release_pending: datetime | None, detainer_active: bool
) -> bool:
    """Whether a due reminder goes out: the release still ahead, the detainer active, and the booking still
    pending release at that very time (``release_pending``: the booking's pending release time now)."""
    if job.release_at is None or now >= job.release_at:
        return False  # never after the release time
    if not detainer_active:
        return False  # lifted
    return release_pending == job.release_at


def what_a_job_does(
    job: Job,
    alert: Alert | None,
    now: datetime,
    *,
    release_pending: datetime | None,
    detainer_active: bool,
    left_custody: bool = False,
) -> tuple[Alert | None, AlertNotice | None]:
    """A due reminder's or escalation's effect at ``now``: the alert with its step appended and the notice to
    publish, or (None, None) when it is no longer called for (then the job is dropped). ``left_custody``: the
    alert's booking shows the person released or moved elsewhere."""
    if alert is None or alert.status is AlertStatus.RESOLVED:
        return None, None
    if job.kind is JobKind.REMINDER:
        if not reminder_still_called_for(job, now, release_pending=release_pending, detainer_active=detainer_active):
            return None, None
        lead = job.lead_seconds or 0
        detail = f"{describe_duration(lead)} before release"
        if job.release_at is not None and (left := time_left_words(lead, job.release_at, now)) is not None:
            detail += f", sent late: the release is {left} away"
        step = TimelineEntry(at=now, what=AlertStep.REMINDED, detail=detail)
        after = alert.model_copy(update={"timeline": (*alert.timeline, step)})
        return after, AlertNotice(type="alert_reminded", alert=after, lead_seconds=int(lead))
    if alert.status is not AlertStatus.OPEN or not detainer_active:  # acknowledged, or lifted: no escalation
        return None, None
    if alert.kind is AlertKind.IN_CUSTODY and left_custody:  # the stay is over: its released/transferred alert
        return None, None
    level = job.level or 1
    step = TimelineEntry(at=now, what=AlertStep.ESCALATED, detail=f"level {level}")
    after = alert.model_copy(update={"escalation_level": level, "timeline": (*alert.timeline, step)})
    return after, AlertNotice(type="alert_escalated", alert=after, level=level)
