"""Reminders before a release and escalations of unacknowledged alerts, as a duty officer sees them.

Events and detainers go in through the ingest API; the notifier's processors and its scheduler run
over the real Redis; what the office sees is read back through ``GET /v1/alerts/{id}``. Time is a
clock the test moves (the scheduler runs whatever is due at the clock's time), so an 80-hour story
takes no time and no assertion depends on how fast anything ran.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import AlertNotice, RedisNames
from notifier.chores.scheduler import Scheduler
from notifier.domain.schedule import SchedulePolicy
from tests import samples
from tests.integration.notifier.support import FIXED_NOW, IngestApi, NotifierInstance, Streams, start_scheduled_notifier
from tests.integration.notifier.support import MovableClock as Clock

RELEASE_AT = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
NO_ESCALATION = SchedulePolicy(escalation_levels=0)


class Notifier:
    """One notifier instance: its processors, its planner and its scheduler, on the test's clock."""

    def __init__(self, instance: NotifierInstance, scheduler: Scheduler) -> None:
        self.instance = instance
        self.scheduler = scheduler

    @classmethod
    async def start(cls, client: Redis, names: RedisNames, clock: Clock, policy: SchedulePolicy) -> Notifier:
        scheduled = await start_scheduled_notifier(client, names, clock, policy)
        return cls(scheduled.instance, scheduled.scheduler)

    async def process(self, streams: Streams) -> None:
        await self.instance.custody.process(await streams.new_custody_events())
        await self.instance.lodges.process(await streams.new_detainer_changes())


class Office:
    def __init__(self, api: httpx.AsyncClient) -> None:
        self.api = api

    async def alerts(self, kind: str) -> list[dict[str, Any]]:
        answer = await self.api.get("/v1/alerts", params={"field_office": "LOS"})
        return [alert for alert in answer.json()["alerts"] if alert["kind"] == kind]

    async def alert(self, kind: str) -> dict[str, Any]:
        (found,) = await self.alerts(kind)
        return found

    async def steps(self, alert_id: str, what: str) -> list[str]:
        alert = (await self.api.get(f"/v1/alerts/{alert_id}")).json()
        return [entry["detail"] for entry in alert["timeline"] if entry["what"] == what]


@pytest.fixture
def office(api: httpx.AsyncClient) -> Office:
    return Office(api)


@pytest.fixture
def clock() -> Clock:
    return Clock(RELEASE_AT - timedelta(hours=80))


def scheduled(release_at: datetime = RELEASE_AT, event_id: str = "evt-0003") -> dict[str, Any]:
    return samples.release_scheduled(event_id=event_id, scheduled_release_at=release_at.isoformat())


async def story(ingest_api: IngestApi, streams: Streams, notifier: Notifier, *events: dict[str, Any]) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking(), *events)
    await notifier.process(streams)


async def run_at(moment: datetime, clock: Clock, *notifiers: Notifier) -> None:
    clock.now = moment
    await asyncio.gather(*(notifier.scheduler.run_due() for notifier in notifiers))


async def test_a_release_scheduled_80_hours_ahead_gets_the_four_reminders_in_order_and_none_after_release(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    notifier = await Notifier.start(redis_client, names, clock, NO_ESCALATION)
    await story(ingest_api, streams, notifier, scheduled())
    alert_id = (await office.alert("release_scheduled"))["alert_id"]

    seen = []
    for hours_before in (73, 71.9, 60, 47.9, 30, 23.9, 5, 3.9, 1, -1, -30):
        await run_at(RELEASE_AT - timedelta(hours=hours_before), clock, notifier)
        seen.append(await office.steps(alert_id, "reminded"))

    assert seen[0] == []
    assert seen[1] == ["72h before release"]
    assert seen[3] == ["72h before release", "48h before release"]
    assert seen[5] == ["72h before release", "48h before release", "24h before release"]
    assert (
        seen[7] == seen[-1] == ["72h before release", "48h before release", "24h before release", "4h before release"]
    )


async def test_a_release_10_hours_ahead_gets_only_the_4_hour_reminder(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    clock.now = RELEASE_AT - timedelta(hours=10)
    notifier = await Notifier.start(redis_client, names, clock, NO_ESCALATION)
    await story(ingest_api, streams, notifier, scheduled())
    alert_id = (await office.alert("release_scheduled"))["alert_id"]

    for hours_before in (9, 5, 3.9, 0.5):
        await run_at(RELEASE_AT - timedelta(hours=hours_before), clock, notifier)

    assert await office.steps(alert_id, "reminded") == ["4h before release"]


@dataclasses.dataclass
class Scene:
    """Who can act on the story after its first reminder."""

    ingest_api: IngestApi
    streams: Streams
    notifier: Notifier
    office: Office
    clock: Clock
    alert_id: str


async def cancel_the_release(scene: Scene) -> None:
    occurred_at = (scene.clock.now + timedelta(minutes=5)).isoformat()
    await scene.ingest_api.submit(samples.release_cancelled(occurred_at=occurred_at))
    await scene.notifier.process(scene.streams)


async def lift_the_detainer(scene: Scene) -> None:
    await scene.ingest_api.lift(samples.detainer()["detainer_id"])


async def resolve_the_alert(scene: Scene) -> None:
    answer = await scene.office.api.post(f"/v1/alerts/{scene.alert_id}/resolve", json={"outcome": "custody_assumed"})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    "withdraw",
    [
        pytest.param(cancel_the_release, id="the release is cancelled"),
        pytest.param(lift_the_detainer, id="the detainer is lifted"),
        pytest.param(resolve_the_alert, id="the alert is resolved"),
    ],
)
async def test_no_further_reminder_once(
    withdraw: Callable[[Scene], Awaitable[None]],
    redis_client: Redis,
    names: RedisNames,
    ingest_api: IngestApi,
    streams: Streams,
    office: Office,
    clock: Clock,
) -> None:
    notifier = await Notifier.start(redis_client, names, clock, NO_ESCALATION)
    await story(ingest_api, streams, notifier, scheduled())
    alert_id = (await office.alert("release_scheduled"))["alert_id"]
    await run_at(RELEASE_AT - timedelta(hours=71.9), clock, notifier)

    await withdraw(Scene(ingest_api, streams, notifier, office, clock, alert_id))
    for hours_before in (47.9, 23.9, 3.9):
        await run_at(RELEASE_AT - timedelta(hours=hours_before), clock, notifier)

    assert await office.steps(alert_id, "reminded") == ["72h before release"]


async def test_a_rescheduled_release_is_reminded_of_at_its_new_time_only(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    notifier = await Notifier.start(redis_client, names, clock, SchedulePolicy(reminder_leads_seconds=(4 * 3600,)))
    later = RELEASE_AT + timedelta(days=2)
    await story(ingest_api, streams, notifier, scheduled())
    await ingest_api.submit(
        scheduled(later, event_id="evt-0013") | {"occurred_at": (clock.now + timedelta(hours=1)).isoformat()}
    )
    await notifier.process(streams)

    for moment in (RELEASE_AT - timedelta(hours=3.9), later - timedelta(hours=3.9)):
        await run_at(moment, clock, notifier)

    reminded = {
        alert["scheduled_release_at"]: await office.steps(alert["alert_id"], "reminded")
        for alert in await office.alerts("release_scheduled")
    }
    assert reminded == {
        RELEASE_AT.isoformat().replace("+00:00", "Z"): [],
        later.isoformat().replace("+00:00", "Z"): ["4h before release"],
    }


async def test_a_release_time_announced_again_after_its_cancellation_is_reminded_of_again(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    notifier = await Notifier.start(redis_client, names, clock, SchedulePolicy(reminder_leads_seconds=(4 * 3600,)))
    await story(ingest_api, streams, notifier, scheduled())
    first_id = (await office.alert("release_scheduled"))["alert_id"]
    await ingest_api.submit(samples.release_cancelled(occurred_at=(clock.now + timedelta(hours=1)).isoformat()))
    await notifier.process(streams)
    await ingest_api.submit(
        scheduled(event_id="evt-0013") | {"occurred_at": (clock.now + timedelta(hours=2)).isoformat()}
    )
    await notifier.process(streams)

    await run_at(RELEASE_AT - timedelta(hours=3.9), clock, notifier)

    reminded = {
        alert["alert_id"]: await office.steps(alert["alert_id"], "reminded")
        for alert in await office.alerts("release_scheduled")
    }
    assert reminded.pop(first_id) == []  # cancelled before its reminder was due
    assert list(reminded.values()) == [["4h before release"]]


async def test_a_notifier_restarted_between_two_reminders_loses_none_and_repeats_none(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    first = await Notifier.start(redis_client, names, clock, NO_ESCALATION)
    await story(ingest_api, streams, first, scheduled())
    alert_id = (await office.alert("release_scheduled"))["alert_id"]
    await run_at(RELEASE_AT - timedelta(hours=71.9), clock, first)
    del first  # killed: all it knew was in Redis

    clock.now = RELEASE_AT - timedelta(hours=47.9)
    restarted = await Notifier.start(redis_client, names, clock, NO_ESCALATION)
    for hours_before in (47.9, 23.9, 23.9, 3.9, 3.9):
        await run_at(RELEASE_AT - timedelta(hours=hours_before), clock, restarted)

    assert await office.steps(alert_id, "reminded") == [
        "72h before release",
        "48h before release",
        "24h before release",
        "4h before release",
    ]


async def test_two_notifiers_send_each_reminder_once(
    redis_client: Redis,
    second_client: Redis,
    names: RedisNames,
    ingest_api: IngestApi,
    streams: Streams,
    office: Office,
    clock: Clock,
) -> None:
    first = await Notifier.start(redis_client, names, clock, NO_ESCALATION)
    second = await Notifier.start(second_client, names, clock, NO_ESCALATION)
    await story(ingest_api, streams, first, scheduled())
    alert_id = (await office.alert("release_scheduled"))["alert_id"]

    for hours_before in (71.9, 47.9, 23.9, 3.9):
        await run_at(RELEASE_AT - timedelta(hours=hours_before), clock, first, second)

    assert await office.steps(alert_id, "reminded") == [
        "72h before release",
        "48h before release",
        "24h before release",
        "4h before release",
    ]
    notices = [
        AlertNotice.model_validate_json(fields[b"__data__"])
        for _, fields in await redis_client.xrange(names.alerts_raised)
        if fields[b"type"] == b"alert_reminded"
    ]
    assert [notice.lead_seconds for notice in notices] == [72 * 3600, 48 * 3600, 24 * 3600, 4 * 3600]


async def test_reminders_overdue_when_the_release_came_are_never_sent(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    notifier = await Notifier.start(redis_client, names, clock, NO_ESCALATION)
    await story(ingest_api, streams, notifier, scheduled())
    alert_id = (await office.alert("release_scheduled"))["alert_id"]

    await run_at(RELEASE_AT + timedelta(minutes=1), clock, notifier)  # the scheduler was down until after release

    assert await office.steps(alert_id, "reminded") == []
    left = [job_id for job_id in await redis_client.zrange(names.alert_schedule, 0, -1) if b"|reminder|" in job_id]
    assert left == []


# --- escalation -------------------------------------------------------------------------------


ESCALATE_HOURLY = SchedulePolicy(
    reminder_leads_seconds=(),
    escalation_after_seconds=3600,
    escalation_urgent_after_seconds=600,
    escalation_urgent_within_seconds=48 * 3600,
    escalation_levels=2,
)


async def test_an_unacknowledged_alert_escalates_once_per_level(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    notifier = await Notifier.start(redis_client, names, clock, ESCALATE_HOURLY)
    await story(ingest_api, streams, notifier)
    alert = await office.alert("in_custody")
    raised = datetime.fromisoformat(alert["raised_at"])

    for minutes in (59, 61, 61, 119, 121, 121, 600):
        await run_at(raised + timedelta(minutes=minutes), clock, notifier)

    assert await office.steps(alert["alert_id"], "escalated") == ["level 1", "level 2"]
    assert (await office.alert("in_custody"))["escalation_level"] == 2


async def test_an_acknowledged_alert_does_not_escalate(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    notifier = await Notifier.start(redis_client, names, clock, ESCALATE_HOURLY)
    await story(ingest_api, streams, notifier)
    alert = await office.alert("in_custody")
    raised = datetime.fromisoformat(alert["raised_at"])

    assert (await office.api.post(f"/v1/alerts/{alert['alert_id']}/ack")).status_code == 200
    for minutes in (61, 121, 600):
        await run_at(raised + timedelta(minutes=minutes), clock, notifier)

    assert await office.steps(alert["alert_id"], "escalated") == []
    assert (await office.alert("in_custody"))["escalation_level"] is None


async def test_a_lifted_detainers_alert_does_not_escalate(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    notifier = await Notifier.start(redis_client, names, clock, ESCALATE_HOURLY)
    await story(ingest_api, streams, notifier)
    alert = await office.alert("in_custody")
    raised = datetime.fromisoformat(alert["raised_at"])

    await ingest_api.lift(samples.detainer()["detainer_id"])  # the office took the person: no one to page
    await notifier.process(streams)
    for minutes in (61, 121, 600):
        await run_at(raised + timedelta(minutes=minutes), clock, notifier)

    assert await office.steps(alert["alert_id"], "escalated") == []
    assert (await office.alert("in_custody"))["escalation_level"] is None


async def test_an_in_custody_alert_stops_escalating_once_the_person_left_and_the_release_alert_escalates(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    """Nobody acknowledged the booking, and the jail released the person: the supervisor is paged about the
    release (what the office has to act on now), not about a stay that is over."""
    notifier = await Notifier.start(redis_client, names, clock, ESCALATE_HOURLY)
    await story(ingest_api, streams, notifier)
    in_custody = await office.alert("in_custody")
    raised = datetime.fromisoformat(in_custody["raised_at"])
    await run_at(raised + timedelta(minutes=61), clock, notifier)  # level 1, while the person is held

    await ingest_api.submit(samples.release(occurred_at=(raised + timedelta(minutes=90)).isoformat()))
    await notifier.process(streams)
    released = await office.alert("released")
    for minutes in (121, 181, 600):
        await run_at(raised + timedelta(minutes=minutes), clock, notifier)

    assert await office.steps(in_custody["alert_id"], "escalated") == ["level 1"]
    assert await office.steps(released["alert_id"], "escalated") != []


async def test_escalation_comes_sooner_when_the_release_is_close(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    clock.now = FIXED_NOW  # when the notifier raises the alert
    notifier = await Notifier.start(redis_client, names, clock, ESCALATE_HOURLY)
    await story(ingest_api, streams, notifier, scheduled(FIXED_NOW + timedelta(hours=20)))
    alert = await office.alert("release_scheduled")
    raised = datetime.fromisoformat(alert["raised_at"])

    await run_at(raised + timedelta(minutes=11), clock, notifier)

    assert await office.steps(alert["alert_id"], "escalated") == ["level 1"]


async def test_a_reminder_and_an_escalation_of_one_alert_due_together_both_go_out_at_once(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    clock.now = FIXED_NOW
    policy = SchedulePolicy(
        reminder_leads_seconds=(4 * 3600,), escalation_after_seconds=600, escalation_urgent_after_seconds=600
    )
    notifier = await Notifier.start(redis_client, names, clock, policy)
    await story(ingest_api, streams, notifier, scheduled(FIXED_NOW + timedelta(hours=4, minutes=5)))
    alert_id = (await office.alert("release_scheduled"))["alert_id"]

    await run_at(FIXED_NOW + timedelta(minutes=11), clock, notifier)  # one tick finds both due

    assert await office.steps(alert_id, "reminded") == ["4h before release"]
    assert await office.steps(alert_id, "escalated") == ["level 1"]


async def test_a_notifier_back_after_an_outage_sends_the_nearest_reminder_due_saying_how_far_the_release_really_is(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    notifier = await Notifier.start(redis_client, names, clock, NO_ESCALATION)
    await story(ingest_api, streams, notifier, scheduled())
    alert_id = (await office.alert("release_scheduled"))["alert_id"]

    # Down from 80 h before the release until 46 h 30 min before it: the 72 h and 48 h reminders are both due.
    await run_at(RELEASE_AT - timedelta(hours=46, minutes=30), clock, notifier)
    # Down again from then until 1 h before it: the 24 h and 4 h reminders are both due.
    await run_at(RELEASE_AT - timedelta(hours=1), clock, notifier)

    assert await office.steps(alert_id, "reminded") == [
        "48h before release, sent late: the release is 46h30m away",
        "4h before release, sent late: the release is 1h away",
    ]


async def test_reminders_withdrawn_by_a_correction_the_jail_takes_back_come_again(
    redis_client: Redis, names: RedisNames, ingest_api: IngestApi, streams: Streams, office: Office, clock: Clock
) -> None:
    notifier = await Notifier.start(redis_client, names, clock, NO_ESCALATION)
    await story(ingest_api, streams, notifier, scheduled())
    alert_id = (await office.alert("release_scheduled"))["alert_id"]
    someone_else = samples.person(
        last_name="SMITH", first_name="JOHN", middle_name=None, date_of_birth="1971-02-03", aliases=[]
    ) | {"a_number": "A099999999", "fbi_number": "654321CD7", "state_id": {"state": "CA", "number": "B7654321"}}
    await ingest_api.submit(samples.booking_updated(event_id="evt-fix", person=someone_else))
    await notifier.process(streams)
    await ingest_api.submit(
        samples.booking_updated(event_id="evt-undo", occurred_at="2026-11-20T10:00:00-08:00", person=samples.person())
    )
    await notifier.process(streams)

    for hours_before in (71.9, 47.9):
        await run_at(RELEASE_AT - timedelta(hours=hours_before), clock, notifier)

    assert await office.steps(alert_id, "reminded") == ["72h before release", "48h before release"]
