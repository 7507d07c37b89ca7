"""A release schedule follows the truth: when its release time stops standing, the alert says so and closes.

Driven as in production: events and detainers through the ingest API with API keys, the notifier's
processors and scheduler reading the streams on a clock the test moves, and every channel an office hears
from (its webhook, its e-mail, the live feed) fed the alert stream as the notifier feeds them. Asserted
through what the office reads back: the alert, its listings, its story, and what reached each channel.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from contracts.envelope import StreamEntry
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers
from tests.integration.notifier.channels import Channels
from tests.integration.notifier.schedule_desk import ScheduleDesk as Office
from tests.integration.notifier.support import (
    DESK,
    RELEASE_AT,
    ScheduledNotifier,
    Streams,
    as_,
    start_scheduled_notifier,
)

NEW_RELEASE_AT = "2026-11-26T11:00:00-08:00"


@pytest.fixture
def office(keyed_api: httpx.AsyncClient) -> Office:
    return Office(keyed_api)


async def scheduled(
    office: Office, notifier: ScheduledNotifier, streams: Streams, channels: Channels, *events: dict[str, Any]
) -> str:
    """A detainer lodged, its subject booked and a release scheduled (then ``events``), everything delivered:
    the release_scheduled alert's id."""
    await office.lodge()
    await office.submit(samples.booking(), samples.release_scheduled(), *events)
    await notifier.catch_up(streams)
    await channels.deliver()
    (schedule,) = [alert for alert in await office.kind("release_scheduled") if alert["event_id"] == "evt-0003"]
    return str(schedule["alert_id"])


async def then(
    office: Office, notifier: ScheduledNotifier, streams: Streams, channels: Channels, *events: dict[str, Any]
) -> None:
    await office.submit(*events)
    await notifier.catch_up(streams)
    await channels.deliver()


async def each_channel(channels: Channels, alert_id: str) -> dict[str, list[str]]:
    return {
        "webhook": channels.webhook_events(alert_id),
        "e-mail": channels.email_events(alert_id),
        "live feed": await channels.live_events(alert_id),
    }


def told_once_closed(told: dict[str, list[str]]) -> bool:
    """Each channel got the alert raised, then one alert_updated (reminders or escalations between aside)."""
    return all(
        [event for event in events if event in ("alert_raised", "alert_updated")] == ["alert_raised", "alert_updated"]
        for events in told.values()
    )


async def jobs_of(redis_client: Redis, names: RedisNames, alert_id: str) -> list[str]:
    planned = await redis_client.zrange(names.alert_schedule, 0, -1)
    return [job.decode() for job in planned if job.decode().startswith(f"{alert_id}|")]


def steps(alert: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """What happened to the alert, the channels' deliveries left out."""
    return [(step["what"], step["by"], step["event_id"]) for step in alert["timeline"] if step["what"] != "delivered"]


# --- each way a release time stops standing -----------------------------------------------------------


async def test_a_cancelled_release_closes_its_alert_off_the_countdown_and_every_channel_hears_it_once(
    office: Office,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)
    assert alert_id in await office.listed(status="open")
    assert await office.listed(release_status="scheduled") == [alert_id]
    assert await jobs_of(redis_client, names, alert_id)  # reminders, escalations, the release check

    await then(office, scheduled_notifier, streams, channels, samples.release_cancelled())

    alert = await office.alert(alert_id)
    assert (alert["release_status"], alert["status"], alert["outcome"]) == (
        "cancelled",
        "resolved",
        "release_superseded",
    )
    assert (alert["resolved_by"], alert["superseded_by"]) == (None, None)
    assert steps(alert)[-1] == ("release_cancelled", None, "evt-0004")
    assert alert_id not in await office.listed(status="open")
    assert await office.listed(release_status="scheduled") == []
    assert await office.listed(release_status="cancelled") == [alert_id]
    assert await jobs_of(redis_client, names, alert_id) == []  # withdrawn
    assert told_once_closed(await each_channel(channels, alert_id))
    now = await office.story_now()
    assert (now["state"], now["summary"]) == ("in_custody", "in custody at CA0194200 since 2026-11-20 16:15 UTC")


async def test_a_rescheduled_release_points_to_the_alert_of_the_new_time_which_takes_the_countdown(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)

    moved = samples.release_scheduled(
        event_id="evt-0007", occurred_at="2026-11-22T10:00:00-08:00", scheduled_release_at=NEW_RELEASE_AT
    )
    await then(office, scheduled_notifier, streams, channels, moved)

    old = await office.alert(alert_id)
    (new,) = [alert for alert in await office.kind("release_scheduled") if alert["alert_id"] != alert_id]
    assert (old["release_status"], old["status"], old["superseded_by"]) == ("rescheduled", "resolved", new["alert_id"])
    assert steps(old)[-1] == ("rescheduled", None, "evt-0007")
    assert (new["release_status"], new["status"]) == ("scheduled", "open")
    assert await office.listed(release_status="scheduled") == [new["alert_id"]]
    assert await office.listed(release_status="rescheduled") == [alert_id]
    assert told_once_closed(await each_channel(channels, alert_id))
    assert channels.webhook_events(new["alert_id"]) == ["alert_raised"]
    assert datetime.fromisoformat((await office.story_now())["at"]) == datetime.fromisoformat(NEW_RELEASE_AT)


async def test_a_release_closes_the_schedule_pointing_to_the_released_alert(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)

    await then(office, scheduled_notifier, streams, channels, samples.release())

    old = await office.alert(alert_id)
    (released,) = await office.kind("released")
    assert (old["release_status"], old["status"], old["superseded_by"]) == (
        "released",
        "resolved",
        released["alert_id"],
    )
    assert steps(old)[-1] == ("released", None, "evt-0005")
    assert released["notice_given"] is True
    assert await office.listed(release_status="released") == [alert_id]
    assert told_once_closed(await each_channel(channels, alert_id))
    assert (await office.story_now())["state"] == "released"


async def test_a_release_time_gone_by_shows_as_passed_then_after_the_grace_closes_as_passed_once(
    office: Office,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)

    await scheduled_notifier.run_due_at(RELEASE_AT + timedelta(minutes=59))
    await channels.deliver()
    assert (await office.alert(alert_id))["release_status"] == "scheduled"
    assert alert_id in await office.listed(release_status="scheduled")

    # Two notifiers' ticks find the check due at once: one closes it.
    other = await start_scheduled_notifier(redis_client, names, scheduled_notifier.clock)
    counts = await asyncio.gather(
        scheduled_notifier.run_due_at(RELEASE_AT + timedelta(minutes=61)), other.scheduler.run_due()
    )
    await channels.deliver()

    assert sum(count["passed"] for count in counts) == 1
    alert = await office.alert(alert_id)
    assert (alert["release_status"], alert["status"], alert["outcome"]) == ("passed", "resolved", "release_superseded")
    assert steps(alert)[-1] == ("release_time_passed", None, None)
    assert await office.listed(release_status="passed") == [alert_id]
    assert told_once_closed(await each_channel(channels, alert_id))
    now = await office.story_now()
    assert (now["state"], now["summary"]) == ("no_release_reported", "release time passed, no release reported")


async def test_a_release_the_jail_cancels_after_its_time_passed_reads_cancelled_and_the_person_in_custody(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    # The jail held the person past the release time (on the detainer, say) and cancels the release hours later.
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)
    await scheduled_notifier.run_due_at(RELEASE_AT + timedelta(minutes=61))
    await channels.deliver()
    assert (await office.story_now())["state"] == "no_release_reported"

    cancelled_at = (RELEASE_AT + timedelta(hours=3)).isoformat()
    await then(office, scheduled_notifier, streams, channels, samples.release_cancelled(occurred_at=cancelled_at))

    now = await office.story_now()
    assert (now["state"], now["summary"]) == ("in_custody", "in custody at CA0194200 since 2026-11-20 16:15 UTC")
    alert = await office.alert(alert_id)
    assert (alert["release_status"], alert["status"], alert["outcome"]) == (
        "cancelled",
        "resolved",
        "release_superseded",
    )
    assert steps(alert)[-2:] == [("release_time_passed", None, None), ("release_cancelled", None, "evt-0004")]
    told = await each_channel(channels, alert_id)
    assert all(events.count("alert_updated") == 2 for events in told.values()), told
    assert await office.listed(release_status="passed") == []
    assert await office.listed(release_status="cancelled") == [alert_id]

    # Told once: the cancellation delivered again changes nothing more.
    await then(office, scheduled_notifier, streams, channels, samples.release_cancelled(occurred_at=cancelled_at))
    assert await each_channel(channels, alert_id) == told


async def test_a_redelivered_cancellation_changes_nothing_twice(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)
    await office.submit(samples.release_cancelled())
    entries = await streams.new_custody_events()

    await scheduled_notifier.instance.custody.process(entries)
    closed = await office.alert(alert_id)
    await scheduled_notifier.instance.custody.process(entries)  # redelivered after a crash before the XACK
    await channels.deliver()

    again = await office.alert(alert_id)
    assert steps(again) == steps(closed)
    assert (again["release_status"], again["resolved_at"]) == ("cancelled", closed["resolved_at"])
    assert [step[0] for step in steps(again)].count("release_cancelled") == 1
    assert told_once_closed(await each_channel(channels, alert_id))


async def test_a_crash_between_saving_the_state_and_closing_the_alert_is_repaired_by_the_redelivery(
    office: Office,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)
    await office.submit(samples.release_cancelled())
    entries = await streams.new_custody_events()
    closer = scheduled_notifier.instance.ports.releases

    async def crash(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("the notifier died here")

    with monkeypatch.context() as patched:
        patched.setattr(closer, "close_superseded", crash)
        with pytest.raises(ConnectionError):
            await scheduled_notifier.instance.custody.process(entries)
    assert (await office.alert(alert_id))["release_status"] == "scheduled"  # the state is saved, the alert not

    await scheduled_notifier.instance.custody.process(entries)
    await channels.deliver()

    assert (await office.alert(alert_id))["release_status"] == "cancelled"
    assert told_once_closed(await each_channel(channels, alert_id))


# --- order does not matter ----------------------------------------------------------------------------


async def test_a_cancellation_that_arrives_before_its_schedule_records_the_schedule_already_closed_unannounced(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    await office.lodge()
    await then(office, scheduled_notifier, streams, channels, samples.booking(), samples.release_cancelled())
    await then(office, scheduled_notifier, streams, channels, samples.release_scheduled())

    (alert,) = await office.kind("release_scheduled")
    assert (alert["release_status"], alert["status"]) == ("cancelled", "resolved")
    assert steps(alert)[-1] == ("release_cancelled", None, "evt-0004")
    assert await office.listed(release_status="scheduled") == []
    assert await each_channel(channels, alert["alert_id"]) == {"webhook": [], "e-mail": [], "live feed": []}


async def test_a_release_reported_later_but_earlier_than_the_schedule_still_closes_it_as_released(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)

    early = samples.release(occurred_at="2026-11-21T09:00:00-08:00")  # before the schedule was known
    await then(office, scheduled_notifier, streams, channels, early)

    alert = await office.alert(alert_id)
    (released,) = await office.kind("released")
    assert (alert["release_status"], alert["superseded_by"]) == ("released", released["alert_id"])
    assert released["released_without_notice"] is True
    assert told_once_closed(await each_channel(channels, alert_id))


@pytest.mark.parametrize("arrival", ["release-first", "together", "cleanup-first"])
async def test_a_release_the_jail_cancelled_after_it_happened_came_with_the_notice_given(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels, arrival: str
) -> None:
    """Once the person is out, the jail's system cancels the release it had pending (cleanup, minutes after the
    release). The release happened at the time announced three days earlier: the office reads it released with
    notice, and so does the outcome report, whatever the order the two arrive in. The schedule reads released
    too, unless the cancellation came first: then it was closed as cancelled when it came (leaving scheduled is
    final), as the office was told then."""
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)
    cleanup = samples.release_cancelled(occurred_at="2026-11-24T09:10:00-08:00")  # the release: 09:05
    if arrival == "together":
        await office.submit_batch(samples.release(), cleanup)
        await scheduled_notifier.catch_up(streams)
        await channels.deliver()
    for event in {"release-first": (samples.release(), cleanup), "cleanup-first": (cleanup, samples.release())}.get(
        arrival, ()
    ):
        await then(office, scheduled_notifier, streams, channels, event)

    (released,) = await office.kind("released")
    assert (released["notice_given"], released["released_without_notice"]) == (True, False)
    assert released["notice_lead_hours"] == 71.1  # from 2026-11-21 10:00 to 2026-11-24 09:05 (-08:00)
    alert = await office.alert(alert_id)
    if arrival == "cleanup-first":
        assert (alert["release_status"], alert["superseded_by"]) == ("cancelled", None)
    else:
        assert (alert["release_status"], alert["superseded_by"]) == ("released", released["alert_id"])
    assert told_once_closed(await each_channel(channels, alert_id))
    report = await office.api.get(
        "/v1/reports/outcomes", params={"from": "2026-11-01", "to": "2026-11-30"}, headers=as_("los")
    )
    (row,) = report.json()["facilities"]
    assert (row["releases"], row["releases_with_notice"]) == (1, 1)


async def test_a_schedule_cancelled_then_replaced_reads_cancelled_whether_seen_apart_or_together(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    moved = samples.release_scheduled(
        event_id="evt-0007", occurred_at="2026-11-22T10:00:00-08:00", scheduled_release_at=NEW_RELEASE_AT
    )
    alert_id = await scheduled(office, scheduled_notifier, streams, channels, moved, samples.release_cancelled())

    alert = await office.alert(alert_id)
    assert (alert["release_status"], alert["superseded_by"]) == ("cancelled", None)
    assert steps(alert)[-1] == ("release_cancelled", None, "evt-0004")


# --- a release time announced again ------------------------------------------------------------------

ANNOUNCED_AGAIN = "2026-11-23T10:00:00-08:00"  # a day after the first time was moved or cancelled


async def every_custody_event(redis_client: Redis, names: RedisNames) -> list[StreamEntry]:
    """Every entry of the custody stream, as a redelivery of them all would hand them over again."""
    return [
        StreamEntry(names.custody_events, message_id.decode(), fields)
        for message_id, fields in await redis_client.xrange(names.custody_events)
    ]


@pytest.mark.parametrize(
    "superseded_by",
    [
        pytest.param(
            samples.release_scheduled(
                event_id="evt-0007", occurred_at="2026-11-22T10:00:00-08:00", scheduled_release_at=NEW_RELEASE_AT
            ),
            id="another time",
        ),
        pytest.param(samples.release_cancelled(), id="a cancellation"),
    ],
)
async def test_a_release_time_announced_again_after_it_stopped_standing_is_a_new_alert_with_the_countdown(
    superseded_by: dict[str, Any],
    office: Office,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    first_id = await scheduled(office, scheduled_notifier, streams, channels)
    await then(office, scheduled_notifier, streams, channels, superseded_by)
    first = await office.alert(first_id)
    assert first["release_status"] in ("rescheduled", "cancelled")
    raised_before = {alert["alert_id"] for alert in await office.kind("release_scheduled")}

    again = samples.release_scheduled(event_id="evt-0009", occurred_at=ANNOUNCED_AGAIN)
    await then(office, scheduled_notifier, streams, channels, again)

    schedules = {alert["alert_id"] for alert in await office.kind("release_scheduled")}
    (new_id,) = schedules - raised_before
    new = await office.alert(new_id)
    assert (new["release_status"], new["status"], new["superseded_by"]) == ("scheduled", "open", None)
    assert datetime.fromisoformat(new["scheduled_release_at"]) == RELEASE_AT
    assert new["event_id"] == "evt-0009"
    assert await office.listed(release_status="scheduled") == [new_id]
    assert new_id in await office.listed(status="open")
    assert datetime.fromisoformat((await office.story_now())["at"]) == RELEASE_AT
    assert channels.webhook_events(new_id) == ["alert_raised"]
    assert await jobs_of(redis_client, names, new_id)  # reminders, escalations, the release check
    assert await office.alert(first_id) == first  # closed for good, as it was
    if superseded_by["type"] == "release_scheduled":
        (moved_id,) = raised_before - {first_id}
        moved = await office.alert(moved_id)
        assert first["superseded_by"] == moved_id
        assert (moved["release_status"], moved["status"], moved["superseded_by"]) == ("rescheduled", "resolved", new_id)
        assert steps(moved)[-1] == ("rescheduled", None, "evt-0009")
        assert told_once_closed(await each_channel(channels, moved_id))
    else:
        assert raised_before == {first_id}
        assert (first["release_status"], first["superseded_by"]) == ("cancelled", None)

    # Every event processed again, as after a crash before their acknowledgement: nothing new, nothing changes.
    before = {alert_id: await office.alert(alert_id) for alert_id in schedules}
    await scheduled_notifier.instance.custody.process(await every_custody_event(redis_client, names))
    await channels.deliver()

    assert {alert["alert_id"] for alert in await office.kind("release_scheduled")} == set(schedules)
    assert {alert_id: await office.alert(alert_id) for alert_id in schedules} == before
    assert await office.listed(release_status="scheduled") == [new_id]


# --- what people did first stays ----------------------------------------------------------------------


async def test_an_acknowledged_schedule_is_closed_by_releasewatch_and_keeps_the_acknowledgement(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)
    assert (await office.api.post(f"/v1/alerts/{alert_id}/ack", headers=as_("los"))).status_code == 200

    await then(office, scheduled_notifier, streams, channels, samples.release_cancelled())

    alert = await office.alert(alert_id)
    assert (alert["status"], alert["acknowledged_by"], alert["outcome"]) == ("resolved", DESK, "release_superseded")
    assert [(what, by) for what, by, _ in steps(alert)] == [
        ("raised", None),
        ("acknowledged", DESK),
        ("release_cancelled", None),
    ]
    assert await office.listed(status="acknowledged") == []
    assert alert_id in await office.listed(status="resolved")
    assert await channels.live_events(alert_id) == ["alert_raised", "alert_acknowledged", "alert_updated"]


async def test_a_schedule_an_officer_resolved_keeps_their_outcome_and_still_says_it_was_cancelled(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)
    resolved = await office.api.post(
        f"/v1/alerts/{alert_id}/resolve", json={"outcome": "custody_assumed"}, headers=as_("los")
    )
    assert resolved.status_code == 200

    await then(office, scheduled_notifier, streams, channels, samples.release_cancelled())

    alert = await office.alert(alert_id)
    assert (alert["status"], alert["outcome"], alert["resolved_by"]) == ("resolved", "custody_assumed", DESK)
    assert alert["release_status"] == "cancelled"
    assert told_once_closed({"webhook": channels.webhook_events(alert_id), "e-mail": channels.email_events(alert_id)})
    again = await office.api.post(f"/v1/alerts/{alert_id}/resolve", json={"outcome": "released"}, headers=as_("los"))
    assert pointers(assert_problem(again, 409, "alert-lifecycle-conflict")) == ["#/outcome"]


async def test_an_officer_cannot_resolve_with_releasewatchs_own_outcome(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)

    answer = await office.api.post(
        f"/v1/alerts/{alert_id}/resolve", json={"outcome": "release_superseded"}, headers=as_("los")
    )

    assert pointers(assert_problem(answer, 422, "validation-error")) == ["#/outcome"]


async def test_closing_by_releasewatch_then_resolving_says_who_closed_it(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels, samples.release_cancelled())

    answer = await office.api.post(f"/v1/alerts/{alert_id}/ack", headers=as_("los"))

    problem = assert_problem(answer, 409, "alert-lifecycle-conflict")
    assert "by releasewatch: the release is cancelled" in problem["detail"]


async def test_the_release_status_filter_does_not_combine_with_status(office: Office) -> None:
    answer = await office.api.get(
        "/v1/alerts", params={"status": "open", "release_status": "scheduled"}, headers=as_("los")
    )

    assert pointers(assert_problem(answer, 422, "validation-error")) == ["#/query/release_status"]


async def test_the_email_of_an_update_says_what_became_of_the_release_in_the_alerts_thread(
    office: Office, scheduled_notifier: ScheduledNotifier, streams: Streams, channels: Channels
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)

    await then(office, scheduled_notifier, streams, channels, samples.release_cancelled())

    first, update = [
        mail.message for mail in channels.mailbox.mails if mail.message["X-Releasewatch-Alert-Id"] == alert_id
    ]
    assert update["Subject"] == "Release cancelled (was 2026-11-24 17:00 UTC) — CA0194200 booking 2026-004512"
    assert update["In-Reply-To"].strip() == first["Message-ID"].strip()
    assert update["Message-ID"].strip() == f"<{alert_id}.updated.release_cancelled@alerts.example.gov>"


async def test_a_schedule_acknowledged_while_its_release_is_processed_is_closed_from_the_record_as_acknowledged(
    office: Office,
    scheduled_notifier: ScheduledNotifier,
    streams: Streams,
    channels: Channels,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alert_id = await scheduled(office, scheduled_notifier, streams, channels)
    await office.submit(samples.release())
    entries = await streams.new_custody_events()
    alerts = scheduled_notifier.instance.ports.alerts
    looked_at_holds = alerts.held_or_discarded
    acknowledged: list[int] = []

    async def acknowledged_meanwhile(*args: Any, **kwargs: Any) -> set[str]:
        # After the closer read the schedule, before it writes: a person acknowledges it.
        if not acknowledged:
            answer = await office.api.post(f"/v1/alerts/{alert_id}/ack", headers=as_("los"))
            acknowledged.append(answer.status_code)
        return await looked_at_holds(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(alerts, "held_or_discarded", acknowledged_meanwhile)
        await scheduled_notifier.instance.custody.process(entries)
    await channels.deliver()

    assert acknowledged == [200]
    alert = await office.alert(alert_id)
    assert (alert["release_status"], alert["status"], alert["acknowledged_by"]) == ("released", "resolved", DESK)
    assert [(what, by) for what, by, _ in steps(alert)] == [
        ("raised", None),
        ("acknowledged", DESK),
        ("released", None),
    ]
    assert await channels.live_events(alert_id) == ["alert_raised", "alert_acknowledged", "alert_updated"]
