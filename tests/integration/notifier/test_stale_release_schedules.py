"""A release schedule that no longer stands when it arrives is never announced: the office is not paged about a
countdown that is already over (an older schedule delivered after a newer one, a schedule delivered after the
release or after its cancellation, a schedule and its release in one batch, a detainer lodged after the release).

It leaves a record all the same, closed from the start: what the facility sent is kept, and the alerts of a stay
do not depend on the order its events arrived in. Driven as in production (events and detainers through the
ingest API, the notifier's processors reading the streams, every channel an office hears from fed the alert
stream) and asserted through what the office sees: the alert stream, each channel, ``GET /v1/alerts``.
"""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from contracts.envelope import StreamEntry
from tests import samples
from tests.integration.notifier.channels import Channels
from tests.integration.notifier.schedule_desk import ScheduleDesk as Desk
from tests.integration.notifier.support import ScheduledNotifier, Streams

NEW_RELEASE_AT = "2026-11-26T11:00:00-08:00"

# A newer schedule: announced the day after samples.release_scheduled (evt-0003), for another time.
NEWER = samples.release_scheduled(
    event_id="evt-0007", occurred_at="2026-11-22T10:00:00-08:00", scheduled_release_at=NEW_RELEASE_AT
)


@pytest.fixture
def desk(keyed_api: httpx.AsyncClient) -> Desk:
    return Desk(keyed_api)


async def sent(
    desk: Desk, notifier: ScheduledNotifier, streams: Streams, channels: Channels, *events: dict[str, Any]
) -> None:
    """The jail sends ``events`` (one batch); the notifier processes them; every channel delivers."""
    await desk.submit_batch(*events)
    await notifier.catch_up(streams)
    await channels.deliver()


async def stream_messages(redis_client: Redis, names: RedisNames, alert_id: str) -> list[str]:
    """The types of the alert stream's messages about ``alert_id``: what the live feed, webhooks and e-mail carry."""
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis_client.xrange(names.alerts_raised))
    return [fields[b"type"].decode() for _, fields in entries if fields.get(b"alert_id") == alert_id.encode()]


async def heard(channels: Channels, alert_id: str) -> dict[str, list[str]]:
    return {
        "webhook": channels.webhook_events(alert_id),
        "e-mail": channels.email_events(alert_id),
        "live feed": await channels.live_events(alert_id),
    }


NOTHING = {"webhook": [], "e-mail": [], "live feed": []}


async def jobs_of(redis_client: Redis, names: RedisNames, alert_id: str) -> list[str]:
    planned = await redis_client.zrange(names.alert_schedule, 0, -1)
    return [job.decode() for job in planned if job.decode().startswith(f"{alert_id}|")]


def steps(alert: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(step["what"], step["event_id"]) for step in alert["timeline"]]


async def every_custody_event(redis_client: Redis, names: RedisNames) -> list[StreamEntry]:
    """Every entry of the custody stream, as a redelivery of them all would hand them over again."""
    return [
        StreamEntry(names.custody_events, message_id.decode(), fields)
        for message_id, fields in await redis_client.xrange(names.custody_events)
    ]


async def redelivered(notifier: ScheduledNotifier, channels: Channels, redis_client: Redis, names: RedisNames) -> None:
    """Every custody event processed again, as after a crash before their acknowledgement."""
    await notifier.instance.custody.process(await every_custody_event(redis_client, names))
    await channels.deliver()


# --- an older schedule delivered after a newer one ------------------------------------------------------


async def test_an_older_schedule_arriving_after_a_newer_one_is_never_announced_and_the_newer_stands_untouched(
    desk: Desk,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await desk.lodge()
    await sent(desk, scheduled_notifier, streams, channels, samples.booking(), NEWER)
    newer = await desk.schedule_of("evt-0007")
    told_before = await redis_client.xlen(names.alerts_raised)

    await sent(desk, scheduled_notifier, streams, channels, samples.release_scheduled())  # evt-0003: older

    stale = await desk.schedule_of("evt-0003")
    assert await redis_client.xlen(names.alerts_raised) == told_before  # nothing announced, about anything
    assert await stream_messages(redis_client, names, stale["alert_id"]) == []
    assert await heard(channels, stale["alert_id"]) == NOTHING
    assert await jobs_of(redis_client, names, stale["alert_id"]) == []  # no reminder, no escalation, no check
    # Its record, closed from the start: what became of it, and the event that superseded it.
    assert (stale["status"], stale["outcome"], stale["resolved_by"]) == ("resolved", "release_superseded", None)
    assert (stale["release_status"], stale["superseded_by"]) == ("rescheduled", newer["alert_id"])
    assert steps(stale) == [("rescheduled", "evt-0007")]  # never raised
    assert stale["resolved_at"] == stale["raised_at"]
    assert stale["timeline"][0]["detail"].endswith("(so when it arrived: not announced)")
    assert stale["alert_id"] in await desk.listed(status="resolved")
    assert stale["alert_id"] not in await desk.listed(status="open")
    assert await desk.listed(release_status="rescheduled") == [stale["alert_id"]]
    # The schedule that stands is untouched, and alone in the countdowns.
    assert await desk.alert(newer["alert_id"]) == newer
    assert await desk.listed(release_status="scheduled") == [newer["alert_id"]]
    assert await heard(channels, newer["alert_id"]) == {
        "webhook": ["alert_raised"],
        "e-mail": ["alert_raised"],
        "live feed": ["alert_raised"],
    }

    await redelivered(scheduled_notifier, channels, redis_client, names)

    assert await redis_client.xlen(names.alerts_raised) == told_before
    assert (await desk.alert(newer["alert_id"]), await desk.alert(stale["alert_id"])) == (newer, stale)
    schedules = [alert["alert_id"] for alert in await desk.of_kind("release_scheduled")]
    assert sorted(schedules) == sorted([newer["alert_id"], stale["alert_id"]])  # one record each, still


# --- a schedule delivered after the release -------------------------------------------------------------


async def test_a_schedule_arriving_after_the_release_is_never_announced_and_the_released_alert_is_untouched(
    desk: Desk,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await desk.lodge()
    await sent(desk, scheduled_notifier, streams, channels, samples.booking(), samples.release())
    (released,) = await desk.of_kind("released")
    told_before = await redis_client.xlen(names.alerts_raised)

    # Known two days before the release (so it was notice at the time), delivered only now.
    await sent(desk, scheduled_notifier, streams, channels, samples.release_scheduled())

    stale = await desk.schedule_of("evt-0003")
    assert await redis_client.xlen(names.alerts_raised) == told_before
    assert await heard(channels, stale["alert_id"]) == NOTHING
    assert await jobs_of(redis_client, names, stale["alert_id"]) == []
    assert (stale["status"], stale["outcome"]) == ("resolved", "release_superseded")
    assert (stale["release_status"], stale["superseded_by"]) == ("released", released["alert_id"])
    assert steps(stale) == [("released", "evt-0005")]
    assert await desk.listed(release_status="released") == [stale["alert_id"]]
    assert await desk.listed(release_status="scheduled") == []
    assert await desk.alert(released["alert_id"]) == released

    await redelivered(scheduled_notifier, channels, redis_client, names)

    assert await redis_client.xlen(names.alerts_raised) == told_before
    assert await desk.schedule_of("evt-0003") == stale
    assert [alert["alert_id"] for alert in await desk.of_kind("release_scheduled")] == [stale["alert_id"]]


async def test_a_schedule_and_its_release_in_one_batch_announce_the_release_only(
    desk: Desk,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await desk.lodge()

    await sent(
        desk, scheduled_notifier, streams, channels, samples.booking(), samples.release_scheduled(), samples.release()
    )

    stale = await desk.schedule_of("evt-0003")
    (released,) = await desk.of_kind("released")
    assert await heard(channels, stale["alert_id"]) == NOTHING
    assert stale["release_status"] == "released"
    assert released["notice_given"] is True  # the schedule was known before the release all the same
    assert await heard(channels, released["alert_id"]) == {
        "webhook": ["alert_raised"],
        "e-mail": ["alert_raised"],
        "live feed": ["alert_raised"],
    }


# --- a schedule delivered after its cancellation ----------------------------------------------------------


async def test_a_schedule_arriving_after_its_cancellation_is_never_announced(
    desk: Desk,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await desk.lodge()
    await sent(desk, scheduled_notifier, streams, channels, samples.booking(), samples.release_cancelled())

    await sent(desk, scheduled_notifier, streams, channels, samples.release_scheduled())

    stale = await desk.schedule_of("evt-0003")
    assert await heard(channels, stale["alert_id"]) == NOTHING
    assert await stream_messages(redis_client, names, stale["alert_id"]) == []
    assert (stale["release_status"], stale["superseded_by"]) == ("cancelled", None)
    assert steps(stale) == [("release_cancelled", "evt-0004")]


# --- what still is announced --------------------------------------------------------------------------------


async def test_a_release_time_announced_again_after_a_stale_schedule_is_raised_as_a_new_episode(
    desk: Desk,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await desk.lodge()
    await sent(desk, scheduled_notifier, streams, channels, samples.booking(), samples.release_cancelled())
    await sent(desk, scheduled_notifier, streams, channels, samples.release_scheduled())  # stale: not announced

    again = samples.release_scheduled(event_id="evt-0009", occurred_at="2026-11-23T10:00:00-08:00")
    await sent(desk, scheduled_notifier, streams, channels, again)

    stale = await desk.schedule_of("evt-0003")
    fresh = await desk.schedule_of("evt-0009")
    assert fresh["alert_id"] != stale["alert_id"]
    assert (fresh["release_status"], fresh["status"]) == ("scheduled", "open")
    assert await desk.listed(release_status="scheduled") == [fresh["alert_id"]]
    assert await heard(channels, fresh["alert_id"]) == {
        "webhook": ["alert_raised"],
        "e-mail": ["alert_raised"],
        "live feed": ["alert_raised"],
    }
    assert await jobs_of(redis_client, names, fresh["alert_id"])  # reminders, escalations, the release check
    assert await heard(channels, stale["alert_id"]) == NOTHING
    assert stale["release_status"] == "cancelled"


async def test_a_schedule_announced_while_it_stood_is_still_closed_on_every_channel_when_an_older_one_arrives(
    desk: Desk,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    """The schedule that was announced is closed as before when a newer one supersedes it; the older one
    arriving late afterwards is recorded closed, and adds nothing to what the office heard."""
    await desk.lodge()
    await sent(desk, scheduled_notifier, streams, channels, samples.booking(), NEWER)
    newer_id = (await desk.schedule_of("evt-0007"))["alert_id"]
    newest = samples.release_scheduled(
        event_id="evt-0008", occurred_at="2026-11-23T10:00:00-08:00", scheduled_release_at="2026-11-27T11:00:00-08:00"
    )
    await sent(desk, scheduled_notifier, streams, channels, newest)

    await sent(desk, scheduled_notifier, streams, channels, samples.release_scheduled())  # evt-0003: the oldest

    newest_id = (await desk.schedule_of("evt-0008"))["alert_id"]
    assert await stream_messages(redis_client, names, newer_id) == ["alert_raised", "alert_updated"]
    assert await stream_messages(redis_client, names, newest_id) == ["alert_raised"]
    stale = await desk.schedule_of("evt-0003")
    assert await stream_messages(redis_client, names, stale["alert_id"]) == []
    assert (stale["release_status"], stale["superseded_by"]) == ("rescheduled", newer_id)
    assert await desk.listed(release_status="scheduled") == [newest_id]


# --- a detainer lodged after the release ---------------------------------------------------------------


async def test_a_detainer_lodged_after_the_release_hears_of_the_stay_but_not_of_a_countdown(
    desk: Desk,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await sent(
        desk, scheduled_notifier, streams, channels, samples.booking(), samples.release_scheduled(), samples.release()
    )

    await desk.lodge()
    await scheduled_notifier.catch_up(streams)
    await channels.deliver()

    kinds = {alert["kind"]: alert for alert in await desk.alerts()}
    assert sorted(kinds) == ["in_custody", "release_scheduled", "released"]
    for kind in ("in_custody", "released"):
        assert await stream_messages(redis_client, names, kinds[kind]["alert_id"]) == ["alert_raised"]
    schedule = kinds["release_scheduled"]
    assert await stream_messages(redis_client, names, schedule["alert_id"]) == []
    assert (schedule["release_status"], schedule["status"]) == ("released", "resolved")
