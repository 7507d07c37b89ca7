"""Reminders before a release and escalations of unacknowledged alerts: planned once, run once.

**Planning.** When an alert is raised, its jobs are planned with it
(``AlertStore.create`` calls ``JobPlanner.plan``):

- a ``release_scheduled`` alert gets a reminder at each lead time before the
  release (``RW_REMINDER_LEADS``, default 72 h, 48 h, 24 h, 4 h) that has not
  passed yet: a release 10 h ahead gets only the 4 h reminder;
- every alert gets escalations, one per level (``RW_ESCALATION_LEVELS``), due
  ``RW_ESCALATION_AFTER_SECONDS`` apart after it was raised, or
  ``RW_ESCALATION_URGENT_AFTER_SECONDS`` apart when the release is within
  ``RW_ESCALATION_URGENT_WITHIN_HOURS``.

Jobs live in Redis (a sorted set by due time and a hash of their JSON, in the
``{alerts}`` tag), so a restart loses none. A per-alert marker makes planning
happen once, however often the alert's condition is evaluated again.

**Running.** Every notifier looks for due jobs every
``RW_SCHEDULER_TICK_SECONDS``. Whether a job is still called for is decided
when it is due, from the facts as they are then:

- a reminder goes out only while the person is still in custody with that very
  release time (a re-scheduled release plans new reminders under its own
  alert; a cancelled one, a release or a transfer makes them moot), the
  detainer is active, the alert is not resolved, and the release is still
  ahead: never after the release time;
- an escalation goes out only while the alert is still ``open``:
  acknowledging (or resolving) stops it;
- a release check, due ``RW_RELEASE_OVERDUE_MINUTES`` after a release time,
  closes the ``release_scheduled`` alert as ``passed`` when the person is
  still reported in custody with that very release time and no release came
  (``adapters.release_closer``; whichever notifier's tick gets there first
  does it, once).

When the notifier closes a release schedule (cancelled, rescheduled,
released, passed) it withdraws the alert's pending jobs in the same script.

The job runs in one script that removes it from the schedule, updates the
alert (its timeline gains ``reminded`` or ``escalated``) and publishes the
notice on the alert stream, all or nothing; two notifiers racing for a job
both try, one does it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from importlib.resources import files
from typing import Any, cast

from pydantic import BaseModel, ConfigDict

from contracts import (
    Alert,
    AlertKind,
    AlertNotice,
    AlertStatus,
    AlertStep,
    RedisNames,
    TimelineEntry,
)
from notifier.adapters.booking_store import BookingStore
from notifier.adapters.detainer_index import DetainerIndex
from notifier.adapters.release_closer import ReleaseScheduleCloser
from runtime import RedisClient
from runtime.scripts import ScriptCall, call_script_many

__all__ = ["Job", "JobKind", "JobPlanner", "SchedulePolicy", "Scheduler", "parse_durations"]

log = logging.getLogger(__name__)

_PLAN_SCRIPT = (files("notifier.adapters") / "plan_jobs.lua").read_text()
_FIRE_SCRIPT = (files("notifier.adapters") / "fire_job.lua").read_text()
_MARKER_SLACK = timedelta(days=7)  # the planned marker outlives the alert's last job by this much
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


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _describe(seconds: float) -> str:
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
    qualifier = _describe(lead_seconds or 0) if kind is JobKind.REMINDER else str(level)
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


class JobPlanner:
    def __init__(
        self,
        client: RedisClient,
        names: RedisNames,
        policy: SchedulePolicy,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client = client
        self._names = names
        self._policy = policy
        self._clock = clock
        self._plan = client.register_script(_PLAN_SCRIPT)

    def jobs_for(self, alert: Alert, now: datetime) -> list[Job]:
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
            for lead in self._policy.reminder_leads_seconds:
                due = release - timedelta(seconds=lead)
                if due > now:
                    jobs.append(job(JobKind.REMINDER, due, release_at=release, lead_seconds=lead))
            overdue = release + timedelta(seconds=self._policy.release_overdue_seconds)
            jobs.append(job(JobKind.RELEASE_CHECK, overdue, release_at=release))  # due at once if past already
        urgent = release is not None and release - alert.raised_at <= timedelta(
            seconds=self._policy.escalation_urgent_within_seconds
        )
        window = timedelta(
            seconds=self._policy.escalation_urgent_after_seconds if urgent else self._policy.escalation_after_seconds
        )
        for level in self._levels():
            jobs.append(job(JobKind.ESCALATION, alert.raised_at + window * level, level=level))
        return jobs

    def job_ids_of(self, alert: Alert) -> list[str]:
        """Every job this policy may plan for ``alert``, due or done or not: what closing it withdraws."""
        ids = [_job_id(alert.alert_id, JobKind.ESCALATION, level=level) for level in self._levels()]
        if alert.kind is AlertKind.RELEASE_SCHEDULED:
            ids += [
                _job_id(alert.alert_id, JobKind.REMINDER, lead_seconds=lead)
                for lead in self._policy.reminder_leads_seconds
            ]
            ids.append(_job_id(alert.alert_id, JobKind.RELEASE_CHECK))
        return ids

    def _levels(self) -> range:
        return range(1, self._policy.escalation_levels + 1)

    async def plan(self, alerts: Sequence[Alert]) -> int:
        """Plan the jobs of each alert not planned yet; returns how many alerts were planned now."""
        now = self._clock()
        calls: list[ScriptCall] = []
        for alert in alerts:
            jobs = self.jobs_for(alert, now)
            if not jobs:
                continue
            last_due = max(job.due_at for job in jobs)
            marker_seconds = max(int((last_due - now + _MARKER_SLACK).total_seconds()), 1)
            args: list[str | int | float | bytes] = [marker_seconds]
            for job in jobs:
                args += [job.job_id, _ms(job.due_at), job.model_dump_json()]
            names = self._names
            calls.append(([names.alert_schedule, names.alert_jobs, names.alert_jobs_planned(alert.alert_id)], args))
        replies = await call_script_many(self._client, self._plan, calls)
        return sum(1 for reply in replies if int(reply) == 1)


class Scheduler:
    """Runs the jobs that are due (see the module docstring)."""

    def __init__(
        self,
        client: RedisClient,
        names: RedisNames,
        *,
        bookings: BookingStore,
        detainers: DetainerIndex,
        releases: ReleaseScheduleCloser | None = None,
        batch_size: int = 200,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client = client
        self._names = names
        self._bookings = bookings
        self._detainers = detainers
        self._releases = releases or ReleaseScheduleCloser(client, names, clock=clock)
        self._batch = batch_size
        self._clock = clock
        self._fire = client.register_script(_FIRE_SCRIPT)

    async def run_due(self) -> dict[str, int]:
        """Run every job due now; returns counts by what happened (sent, dropped, ...).

        The due jobs are read, their alerts and bookings loaded, and all of them run, each in a
        handful of round trips for the whole batch. Two jobs of one alert due together run one after
        the other: the second expects the record as the first leaves it.
        """
        counts = {"reminded": 0, "escalated": 0, "passed": 0, "dropped": 0, "taken_by_another": 0, "retry": 0}
        now = self._clock()
        names = self._names
        ids = cast(
            list[bytes],
            await self._client.zrangebyscore(names.alert_schedule, "-inf", _ms(now), start=0, num=self._batch),
        )
        if not ids:
            return counts
        await self._detainers.sync()
        raw_jobs = cast(list[bytes | None], await self._client.hmget(names.alert_jobs, ids))
        jobs = [
            (job_id.decode(), None if raw is None else Job.model_validate_json(raw))
            for job_id, raw in zip(ids, raw_jobs, strict=True)
        ]
        alert_ids = sorted({job.alert_id for _, job in jobs if job is not None})
        raw_alerts = cast(list[bytes | None], await self._client.mget([names.alert(a) for a in alert_ids]))
        records: dict[str, tuple[str, Alert | None]] = {
            alert_id: (
                "" if raw is None else raw.decode(),
                None if raw is None else Alert.model_validate_json(raw, extra="ignore"),
            )
            for alert_id, raw in zip(alert_ids, raw_alerts, strict=True)
        }
        checks = [job for _, job in jobs if job is not None and job.kind is JobKind.RELEASE_CHECK]
        passed = await self._close_passed(checks, records, now)
        counts["passed"] = len(passed)
        pending = await self._pending_releases([job for _, job in jobs if job is not None])
        calls: list[ScriptCall] = []
        meant: list[str] = []
        for job_id, job in jobs:
            if job is not None and job.kind is JobKind.RELEASE_CHECK:
                if job.alert_id not in passed:  # closed now: its jobs went with it; else no longer called for
                    calls.append(self._fire_call(job_id, job.alert_id, "", "", None))
                    meant.append("dropped")
                continue
            if job is None:  # planned by hand or half-removed: nothing to do
                calls.append(self._fire_call(job_id, "", "", "", None))
                meant.append("dropped")
                continue
            raw_alert, alert = records[job.alert_id]
            after, notice = self._outcome_of(job, alert, now, pending)
            after_json = "" if after is None else after.model_dump_json()
            calls.append(self._fire_call(job_id, job.alert_id, raw_alert, after_json, notice))
            if after is None:
                meant.append("dropped")
                continue
            meant.append("reminded" if job.kind is JobKind.REMINDER else "escalated")
            records[job.alert_id] = (after_json, after)  # what the next job of this alert finds
        for reply, done in zip(await call_script_many(self._client, self._fire, calls), meant, strict=True):
            counts[_outcome(reply, done)] += 1
        if any(counts.values()):
            log.info("scheduled jobs run", extra=counts)
        return counts

    async def _close_passed(
        self, checks: Sequence[Job], records: Mapping[str, tuple[str, Alert | None]], now: datetime
    ) -> set[str]:
        """Close as ``passed`` the release schedules whose check is due and whose release did not come; returns
        the ids of those closed now (by this notifier: another racing for the same one finds it closed)."""
        alerts = [alert for job in checks if (alert := records[job.alert_id][1]) is not None]
        if not alerts:
            return set()
        stored = await self._bookings.load_many({(alert.facility_ori, alert.booking_number) for alert in alerts})
        states = {booking: found.state for booking, found in stored.items()}
        closed = await self._releases.close_superseded([alert.alert_id for alert in alerts], states, now=now)
        return {alert.alert_id for alert in closed}

    async def _pending_releases(self, jobs: Sequence[Job]) -> dict[tuple[str, str], datetime | None]:
        """The release time pending now at each booking a reminder among ``jobs`` is about."""
        wanted = [(job.facility_ori, job.booking_number) for job in jobs if job.kind is JobKind.REMINDER]
        stored = await self._bookings.load_many(wanted)
        return {booking: found.state.release_pending for booking, found in stored.items()}

    def _outcome_of(
        self, job: Job, alert: Alert | None, now: datetime, pending: Mapping[tuple[str, str], datetime | None]
    ) -> tuple[Alert | None, AlertNotice | None]:
        if alert is None or alert.status is AlertStatus.RESOLVED:
            return None, None
        if job.kind is JobKind.REMINDER:
            if not self._reminder_still_called_for(job, now, pending):
                return None, None
            lead = job.lead_seconds or 0
            step = TimelineEntry(at=now, what=AlertStep.REMINDED, detail=f"{_describe(lead)} before release")
            after = alert.model_copy(update={"timeline": (*alert.timeline, step)})
            return after, AlertNotice(type="alert_reminded", alert=after, lead_seconds=int(lead))
        if alert.status is not AlertStatus.OPEN:  # acknowledged: no escalation
            return None, None
        level = job.level or 1
        step = TimelineEntry(at=now, what=AlertStep.ESCALATED, detail=f"level {level}")
        after = alert.model_copy(update={"escalation_level": level, "timeline": (*alert.timeline, step)})
        return after, AlertNotice(type="alert_escalated", alert=after, level=level)

    def _reminder_still_called_for(
        self, job: Job, now: datetime, pending: Mapping[tuple[str, str], datetime | None]
    ) -> bool:
        if job.release_at is None or now >= job.release_at:
            return False  # never after the release time
        if self._detainers.get(job.detainer_ref or job.detainer_id) is None:
            return False  # lifted
        return pending.get((job.facility_ori, job.booking_number)) == job.release_at

    def _fire_call(
        self, job_id: str, alert_id: str, raw_alert: str, after_json: str, notice: AlertNotice | None
    ) -> ScriptCall:
        names = self._names
        # Every key is named, so the call is routed by the {alerts} tag even when the job is only dropped.
        keys = [names.alert_schedule, names.alert_jobs, names.alert(alert_id or "-"), names.alerts_raised]
        return (
            keys,
            [
                job_id,
                raw_alert,
                after_json,
                "" if notice is None else notice.model_dump_json(),
                "" if notice is None else notice.type,
                alert_id,
            ],
        )


def _outcome(reply: Any, done: str) -> str:
    return {1: done, 2: "dropped", 0: "taken_by_another", -1: "retry"}[int(reply)]
