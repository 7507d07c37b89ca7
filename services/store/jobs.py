"""Reminders and escalations in Redis: planned once per alert, each run once, in the ``{alerts}`` tag.

Jobs are a sorted set of job ids by when they are due (ms) and a hash of each job's JSON, beside the alerts.
``plan_jobs.lua`` plans an alert's jobs and sets a per-alert marker in one step (many alerts a call), so an
alert raised again (a redelivery, another notifier) plans nothing twice. ``fire_job.lua`` runs one due job:
whoever removes it from the schedule appends its step to the alert (if the alert is unchanged since read) and
publishes its notice, in the same call; a job no longer called for is dropped. A release schedule closed by
``store.alert_updates`` withdraws its jobs in the same script.

The job itself is the notifier's model (``JobStore[Job]``); the store needs of it only what ``JobRecord`` says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, Protocol, Self, TypeVar, cast

from contracts import AlertNotice, RedisNames
from runtime import RedisClient
from runtime.clock import epoch_ms
from runtime.scripts import ScriptCall
from store.scripts import SCRIPTS

__all__ = ["Firing", "FiringOutcome", "JobRecord", "JobStore", "PlannedJobs"]


class JobRecord(Protocol):
    """What the store needs of a job: its id, when it is due, and its JSON."""

    @property
    def job_id(self) -> str: ...

    @property
    def due_at(self) -> datetime: ...

    def model_dump_json(self) -> str: ...

    @classmethod
    def model_validate_json(cls, json_data: bytes) -> Self: ...


Job = TypeVar("Job", bound=JobRecord)


@dataclass(frozen=True, slots=True)
class PlannedJobs(Generic[Job]):
    """One alert's jobs, planned together once; the marker that says so lives ``marker_seconds``."""

    alert_id: str
    jobs: Sequence[Job]
    marker_seconds: int


@dataclass(frozen=True, slots=True)
class Firing:
    """One due job to run: ``after`` (the alert's record JSON once the job is done; "" to drop the job) is
    written only if the alert's record is still ``expected`` ("" when it had none), with ``notice`` published."""

    job_id: str
    alert_id: str  # "" for a job whose record is gone: it is dropped
    expected: str
    after: str
    notice: AlertNotice | None = None


class FiringOutcome(StrEnum):
    DONE = "done"  # the alert updated, the notice published, the job removed
    DROPPED = "dropped"  # no longer called for: removed, nothing published
    TAKEN = "taken"  # another notifier ran it (or dropped it) first
    ALERT_CHANGED = "alert_changed"  # the alert changed since it was read: the job stays, tried next time


_PLAN_CHUNK = 200  # alerts a plan_jobs call: keeps each call short on the server

_OUTCOMES = {1: FiringOutcome.DONE, 2: FiringOutcome.DROPPED, 0: FiringOutcome.TAKEN, -1: FiringOutcome.ALERT_CHANGED}


class JobStore(Generic[Job]):
    def __init__(self, client: RedisClient, names: RedisNames, *, job_type: type[Job]) -> None:
        self._client = client
        self._names = names
        self._job_type = job_type
        self._plan = SCRIPTS.on(client, "plan_jobs")
        self._fire = SCRIPTS.on(client, "fire_job")

    async def plan(self, plans: Sequence[PlannedJobs[Job]]) -> int:
        """Plan each alert's jobs unless they were planned before; returns how many alerts were planned now.
        Up to a chunk of alerts a script call (their keys share the ``{alerts}`` tag), the calls in one round trip."""
        names = self._names
        with_jobs = [plan for plan in plans if plan.jobs]
        calls: list[ScriptCall] = []
        for start in range(0, len(with_jobs), _PLAN_CHUNK):
            keys = [names.alert_schedule, names.alert_jobs]
            args: list[str | int | float | bytes] = []
            for plan in with_jobs[start : start + _PLAN_CHUNK]:
                keys.append(names.alert_jobs_planned(plan.alert_id))
                args += [plan.marker_seconds, len(plan.jobs)]
                for job in plan.jobs:
                    args += [job.job_id, epoch_ms(job.due_at), job.model_dump_json()]
            calls.append((keys, args))
        return sum(1 for replies in await self._plan.many(calls) for reply in replies if int(reply) == 1)

    async def forget_planned(self, alert_ids: Sequence[str]) -> None:
        """Forget that these alerts' jobs were planned, so that ``plan`` plans them again (an alert reopened after
        releasewatch closed it, withdrawing its jobs)."""
        if alert_ids:
            await self._client.delete(*(self._names.alert_jobs_planned(alert_id) for alert_id in alert_ids))

    async def due(self, now: datetime, *, limit: int) -> list[tuple[str, Job | None]]:
        """Up to ``limit`` jobs due at ``now``, soonest first, each with its job (None when its JSON is gone)."""
        names = self._names
        ids = cast(
            list[bytes],
            await self._client.zrangebyscore(names.alert_schedule, "-inf", epoch_ms(now), start=0, num=limit),
        )
        if not ids:
            return []
        raw_jobs = cast(list[bytes | None], await self._client.hmget(names.alert_jobs, ids))
        return [
            (job_id.decode(), None if raw is None else self._job_type.model_validate_json(raw))
            for job_id, raw in zip(ids, raw_jobs, strict=True)
        ]

    async def fire(self, firings: Sequence[Firing]) -> list[FiringOutcome]:
        """Run each job once, in order (two jobs of one alert: the second expects what the first wrote)."""
        names = self._names
        calls: list[ScriptCall] = [
            (
                # Every key is named, so the call is routed by the {alerts} tag even when the job is only dropped.
                [names.alert_schedule, names.alert_jobs, names.alert(firing.alert_id or "-"), names.alerts_raised],
                [
                    firing.job_id,
                    firing.expected,
                    firing.after,
                    "" if firing.notice is None else firing.notice.model_dump_json(),
                    "" if firing.notice is None else firing.notice.type,
                    firing.alert_id,
                ],
            )
            for firing in firings
        ]
        return [_OUTCOMES[int(reply)] for reply in await self._fire.many(calls)]
