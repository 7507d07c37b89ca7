"""Reminders before a release and escalations of unacknowledged alerts: planned once, run once.

**Planning.** When alerts are raised, the processor that raised them asks ``JobPlanner.plan`` for their jobs
(``domain.schedule.jobs_for``). Jobs live in Redis (``store.jobs``), so a restart loses none; a per-alert
marker makes planning happen once, however often the alert's condition is evaluated again.

**Running.** Every notifier looks for due jobs every ``RW_SCHEDULER_TICK_SECONDS`` (``Scheduler.run_due``);
whether a job is still called for is decided when it is due, from the facts as they are then
(``domain.schedule.what_a_job_does``). A release check, due ``RW_RELEASE_OVERDUE_MINUTES`` after a release
time, closes the ``release_scheduled`` alert as ``passed`` when the person is still reported in custody with
that very release time and no release came (``handlers.release_schedules``; whichever notifier's tick gets
there first does it, once). When the notifier closes a release schedule (cancelled, rescheduled, released,
passed) it withdraws the alert's pending jobs in the same script.

A job runs in one script that removes it from the schedule, updates the alert (its timeline gains
``reminded`` or ``escalated``) and publishes the notice on the alert stream, all or nothing; two notifiers
racing for a job both try, one does it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from contracts import Alert, AlertKind, AlertStatus
from notifier.domain.schedule import (
    Job,
    JobKind,
    SchedulePolicy,
    job_ids_of,
    jobs_for,
    marker_seconds,
    reminders_nearer_due,
    what_a_job_does,
)
from notifier.handlers.ports import ActiveDetainers, BookingStates, ReleaseSchedules
from runtime.clock import Clock, utc_now
from store.alerts import AlertAsRead, AlertStore
from store.jobs import Firing, FiringOutcome, JobStore, PlannedJobs

__all__ = ["JobPlanner", "Scheduler"]

log = logging.getLogger(__name__)

_COUNTED = {
    FiringOutcome.DROPPED: "dropped",
    FiringOutcome.TAKEN: "taken_by_another",
    FiringOutcome.ALERT_CHANGED: "retry",
}


class JobPlanner:
    """Plans what follows each alert (reminders, escalations, the release check): once per alert, however often
    it is asked."""

    def __init__(self, jobs: JobStore[Job], policy: SchedulePolicy, *, clock: Clock = utc_now) -> None:
        self._jobs = jobs
        self._policy = policy
        self._clock = clock

    @property
    def policy(self) -> SchedulePolicy:
        return self._policy

    def job_ids_of(self, alert: Alert) -> list[str]:
        """Every job the policy may plan for ``alert``: what closing it withdraws."""
        return job_ids_of(alert, self._policy)

    async def plan(self, alerts: Sequence[Alert]) -> int:
        """Plan the jobs of each alert not planned yet; returns how many alerts were planned now."""
        now = self._clock()
        plans: list[PlannedJobs[Job]] = []
        for alert in alerts:
            jobs = jobs_for(alert, now, self._policy)
            if jobs:
                plans.append(PlannedJobs(alert.alert_id, jobs, marker_seconds(jobs, now)))
        return await self._jobs.plan(plans)

    async def plan_again(self, alerts: Sequence[Alert]) -> int:
        """Plan anew what follows alerts releasewatch reopened (their jobs were withdrawn when it closed them): the
        reminders not passed yet, the release check, and escalations counted from now (the reopening is what the
        office has not acknowledged), whether or not they were planned before."""
        now = self._clock()
        plans: list[PlannedJobs[Job]] = []
        for alert in alerts:
            anew = alert.model_copy(update={"status": AlertStatus.OPEN, "raised_at": now})
            jobs = [
                job
                for job in jobs_for(anew, now, self._policy)
                if job.kind is not JobKind.ESCALATION or alert.status is AlertStatus.OPEN
            ]
            if jobs:
                plans.append(PlannedJobs(alert.alert_id, jobs, marker_seconds(jobs, now)))
        await self._jobs.forget_planned([plan.alert_id for plan in plans])
        return await self._jobs.plan(plans)


class Scheduler:
    """Runs the jobs that are due (see the module docstring)."""

    def __init__(
        self,
        jobs: JobStore[Job],
        alerts: AlertStore,
        *,
        bookings: BookingStates,
        detainers: ActiveDetainers,
        releases: ReleaseSchedules,
        batch_size: int = 200,
        clock: Clock = utc_now,
    ) -> None:
        self._jobs = jobs
        self._alerts = alerts
        self._bookings = bookings
        self._detainers = detainers
        self._releases = releases
        self._batch = batch_size
        self._clock = clock

    async def run_due(self) -> dict[str, int]:
        """Run every job due now; returns counts by what happened (sent, dropped, ...).

        The due jobs are read, their alerts and bookings loaded, and all of them run, each in a
        handful of round trips for the whole batch. Two jobs of one alert due together run one after
        the other: the second expects the record as the first leaves it.
        """
        counts = {"reminded": 0, "escalated": 0, "passed": 0, "dropped": 0, "taken_by_another": 0, "retry": 0}
        now = self._clock()
        jobs = await self._jobs.due(now, limit=self._batch)
        if not jobs:
            return counts
        await self._detainers.sync()
        records = await self._alerts.read(sorted({job.alert_id for _, job in jobs if job is not None}))
        checks = [job for _, job in jobs if job is not None and job.kind is JobKind.RELEASE_CHECK]
        passed = await self._close_passed(checks, records, now)
        counts["passed"] = len(passed)
        pending, left = await self._custody_at_bookings([job for _, job in jobs if job is not None], records)
        # (after an outage: a reminder due with a nearer one of its alert goes no more)
        pointless = reminders_nearer_due([job for _, job in jobs if job is not None])
        firings: list[Firing] = []
        meant: list[str] = []
        for job_id, job in jobs:
            if job is not None and job.kind is JobKind.RELEASE_CHECK:
                if job.alert_id not in passed:  # closed now: its jobs went with it; else no longer called for
                    firings.append(Firing(job_id, job.alert_id, "", ""))
                    meant.append("dropped")
                continue
            if job is None or job_id in pointless:  # planned by hand or half-removed, or a nearer one goes out
                firings.append(Firing(job_id, "", "", ""))
                meant.append("dropped")
                continue
            read = records[job.alert_id]
            after, notice = what_a_job_does(
                job,
                read.alert,
                now,
                release_pending=pending.get((job.facility_ori, job.booking_number)),
                detainer_active=self._detainers.get(job.detainer_ref or job.detainer_id) is not None,
                left_custody=(job.facility_ori, job.booking_number) in left,
            )
            after_json = "" if after is None else after.model_dump_json()
            firings.append(Firing(job_id, job.alert_id, read.raw, after_json, notice))
            if after is None:
                meant.append("dropped")
                continue
            meant.append("reminded" if job.kind is JobKind.REMINDER else "escalated")
            records[job.alert_id] = AlertAsRead(after_json, after)  # what the next job of this alert finds
        for outcome, done in zip(await self._jobs.fire(firings), meant, strict=True):
            counts[done if outcome is FiringOutcome.DONE else _COUNTED[outcome]] += 1
        if any(counts.values()):
            log.info("scheduled jobs run", extra=counts)
        return counts

    async def _close_passed(self, checks: Sequence[Job], records: Mapping[str, AlertAsRead], now: datetime) -> set[str]:
        """Close as ``passed`` the release schedules whose check is due and whose release did not come; returns
        the ids of those closed now (by this notifier: another racing for the same one finds it closed)."""
        alerts = [alert for job in checks if (alert := records[job.alert_id].alert) is not None]
        if not alerts:
            return set()
        stored = await self._bookings.load_many({(alert.facility_ori, alert.booking_number) for alert in alerts})
        states = {booking: found.state for booking, found in stored.items()}
        closed = await self._releases.close_superseded([alert.alert_id for alert in alerts], states, now=now)
        return {alert.alert_id for alert in closed}

    async def _custody_at_bookings(
        self, jobs: Sequence[Job], records: Mapping[str, AlertAsRead]
    ) -> tuple[dict[tuple[str, str], datetime | None], set[tuple[str, str]]]:
        """The release time pending now at each booking a reminder among ``jobs`` is about, and which of the
        bookings an ``in_custody`` alert's escalation is about the person has left (released or moved)."""
        reminded = {(job.facility_ori, job.booking_number) for job in jobs if job.kind is JobKind.REMINDER}
        escalated = {
            (job.facility_ori, job.booking_number)
            for job in jobs
            if job.kind is JobKind.ESCALATION
            and (alert := records[job.alert_id].alert) is not None
            and alert.kind is AlertKind.IN_CUSTODY
        }
        stored = await self._bookings.load_many(sorted(reminded | escalated))
        pending = {booking: stored[booking].state.release_pending for booking in reminded if booking in stored}
        left = {
            booking
            for booking in escalated
            if booking in stored
            and (stored[booking].state.released_at is not None or stored[booking].state.transferred_at is not None)
        }
        return pending, left
