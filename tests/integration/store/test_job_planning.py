"""Planning many alerts' jobs at once: each alert planned once, however many alerts a call carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from contracts import RedisNames
from notifier.domain.schedule import Job, JobKind
from store.jobs import JobStore, PlannedJobs

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _plan(number: int) -> PlannedJobs[Job]:
    alert_id = f"al_{number:04d}"
    jobs = [
        Job(
            kind=JobKind.ESCALATION,
            alert_id=alert_id,
            due_at=START + timedelta(minutes=number, seconds=level),
            level=level,
            facility_ori="CA0194200",
            booking_number=f"B-{number}",
            detainer_id="LOS-2026-000871",
            detainer_ref="LOS/LOS-2026-000871",
        )
        for level in (1, 2)
    ]
    return PlannedJobs(alert_id, jobs if number % 7 else [], marker_seconds=3600 + number)


async def test_every_alert_of_a_plan_longer_than_a_call_is_planned_once(redis_client: Redis, names: RedisNames) -> None:
    store = JobStore(redis_client, names, job_type=Job)
    plans = [_plan(number) for number in range(450)]  # every seventh without jobs: nothing to plan
    before = [plans[number] for number in (1, 199, 200, 201, 449)]
    assert await store.plan(before) == 5

    planned = await store.plan(plans)

    with_jobs = [plan for plan in plans if plan.jobs]
    assert planned == len(with_jobs) - 5
    scheduled = await redis_client.zrange(names.alert_schedule, 0, -1, withscores=True)
    assert scheduled == [
        (job.job_id.encode(), job.due_at.timestamp() * 1000) for plan in with_jobs for job in plan.jobs
    ]
    stored = await redis_client.hgetall(names.alert_jobs)
    assert {job_id.decode(): Job.model_validate_json(raw) for job_id, raw in stored.items()} == {
        job.job_id: job for plan in with_jobs for job in plan.jobs
    }
    for plan in plans:
        ttl = await redis_client.ttl(names.alert_jobs_planned(plan.alert_id))
        assert (0 < ttl <= plan.marker_seconds) if plan.jobs else ttl == -2
    assert await store.plan(plans) == 0
