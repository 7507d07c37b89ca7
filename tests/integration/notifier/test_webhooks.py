"""Alerts reach the field offices' webhooks: signed, once per message, retried, or dead-lettered with why.

The notifier runs as ``app.build_notifier`` wires it (FastStream subscribers on the real Redis); the
offices' receivers are a real HTTP server (Starlette under uvicorn, on a free port in the test's event
loop) that records what it got and answers what the test programs. What the office sees of the alert
is read back through ``GET /v1/alerts/{id}``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import DELIVERIES_GROUP, RedisNames
from ingest.ops.queues import describe_queues
from notifier.adapters.stream_entries import StreamEntry
from notifier.app import build_notifier
from notifier.metrics import WEBHOOK_DELIVERIES
from notifier.settings import NotifierSettings
from tests import samples
from tests.integration.notifier.conftest import IngestApi, Outcome, Receiver
from tests.integration.notifier.test_wired_service import WiredNotifier, eventually

LOS_SECRET = "los-secret-0123456789abcdef"
NYC_SECRET = "nyc-secret-0123456789abcdef"


def settings_for(redis_url: str, receiver: Receiver, **overrides: Any) -> NotifierSettings:
    webhooks = {
        "LOS": {"url": receiver.url("/los"), "secret": LOS_SECRET, "escalation_url": receiver.url("/los-duty")},
        "NYC": {"url": receiver.url("/nyc"), "secret": NYC_SECRET},
    }
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "poll_interval_ms": 50,
        "batch_size": 100,
        "consumer_name": "test-1",
        "webhooks": json.dumps(webhooks),
        "webhook_timeout_seconds": 2.0,
        "webhook_backoff_seconds": 0.1,
        "reclaim_idle_seconds": 3.0,  # the longest backoff; also when a dead consumer's posts are retried
        "reclaim_poll_ms": 50,
        **overrides,
    }
    return NotifierSettings(**values)


@pytest.fixture
async def started(redis_url: str, receiver: Receiver) -> AsyncIterator[WiredNotifier]:
    wired = WiredNotifier(build_notifier(settings_for(redis_url, receiver)))
    try:
        await wired.start()
        yield wired
    finally:
        await wired.stop()


class Office:
    def __init__(self, api: httpx.AsyncClient, field_office: str = "LOS") -> None:
        self.api = api
        self.field_office = field_office

    async def alerts(self) -> list[dict[str, Any]]:
        answer = await self.api.get("/v1/alerts", params={"field_office": self.field_office})
        alerts: list[dict[str, Any]] = answer.json()["alerts"]
        return alerts

    async def delivered_steps(self, alert_id: str) -> list[str]:
        alert = (await self.api.get(f"/v1/alerts/{alert_id}")).json()
        return [entry["detail"] for entry in alert["timeline"] if entry["what"] == "delivered"]


async def _raise_in_custody_alert(ingest_api: IngestApi, **detainer: Any) -> None:
    await ingest_api.lodge(samples.detainer(**detainer))
    await ingest_api.submit(samples.booking())


async def _deliveries_pending(client: Redis, names: RedisNames) -> int:
    return int((await client.xpending(names.alerts_raised, DELIVERIES_GROUP))["pending"])


async def test_an_alert_raised_for_los_is_posted_once_to_los_signed_and_the_timeline_shows_it_delivered(
    started: WiredNotifier, receiver: Receiver, ingest_api: IngestApi, api: httpx.AsyncClient
) -> None:
    office = Office(api)
    await _raise_in_custody_alert(ingest_api)
    (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")

    steps = await eventually(lambda: office.delivered_steps(alert["alert_id"]), bool, what="the delivered step")

    assert steps == ["webhook alert_raised"]
    (post,) = receiver.received
    assert post.path == "/los"
    assert post.signed_with(LOS_SECRET)
    assert not post.signed_with(NYC_SECRET)
    assert post.headers["content-type"] == "application/json"
    assert post.headers["x-releasewatch-event"] == "alert_raised"
    assert post.message["type"] == "alert_raised"
    assert post.message["alert"]["alert_id"] == alert["alert_id"]
    assert post.message["alert"]["field_office"] == "LOS"
    stream_ids = [entry_id.decode() for entry_id, _ in await started.notifier.redis.xrange(RedisNames().alerts_raised)]
    assert post.headers["x-releasewatch-delivery"] == stream_ids[0]


async def test_an_escalation_goes_to_the_escalation_url_and_shows_on_the_timeline(
    redis_url: str, receiver: Receiver, ingest_api: IngestApi, api: httpx.AsyncClient
) -> None:
    office = Office(api)
    wired = WiredNotifier(
        build_notifier(settings_for(redis_url, receiver, escalation_after_seconds=0.2, escalation_levels=1))
    )
    try:
        await wired.start()
        await _raise_in_custody_alert(ingest_api)
        (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")
        await eventually(lambda: office.delivered_steps(alert["alert_id"]), bool, what="the alert's delivery")

        await asyncio.sleep(0.3)  # the escalation window passes with nobody acknowledging
        await wired.notifier.scheduler.run_due()
        steps = await eventually(
            lambda: office.delivered_steps(alert["alert_id"]), lambda steps: len(steps) == 2, what="the escalation"
        )
    finally:
        await wired.stop()

    assert steps == ["webhook alert_raised", "escalation webhook level 1"]
    (escalation,) = receiver.posts_to("/los-duty")
    assert escalation.headers["x-releasewatch-event"] == "alert_escalated"
    assert escalation.message["level"] == 1
    assert escalation.message["alert"]["alert_id"] == alert["alert_id"]
    assert escalation.signed_with(LOS_SECRET)
    assert [post.headers["x-releasewatch-event"] for post in receiver.posts_to("/los")] == ["alert_raised"]


async def test_a_receiver_failing_twice_gets_the_message_on_the_third_attempt_under_the_same_delivery_id(
    started: WiredNotifier,
    receiver: Receiver,
    ingest_api: IngestApi,
    api: httpx.AsyncClient,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    receiver.answers["/los"] = [500, 503]
    office = Office(api)
    await _raise_in_custody_alert(ingest_api)
    (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")

    steps = await eventually(lambda: office.delivered_steps(alert["alert_id"]), bool, what="the delivery")

    assert steps == ["webhook alert_raised"]
    posts = receiver.posts_to("/los")
    assert len(posts) == 3
    assert len({post.headers["x-releasewatch-delivery"] for post in posts}) == 1
    assert all(post.signed_with(LOS_SECRET) for post in posts)
    assert await eventually(lambda: _deliveries_pending(redis_client, names), lambda n: n == 0, what="the ack") == 0


async def test_a_receiver_answering_410_gets_no_retry_and_the_message_is_dead_lettered_with_the_status(
    started: WiredNotifier,
    receiver: Receiver,
    ingest_api: IngestApi,
    api: httpx.AsyncClient,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    receiver.always["/los"] = 410
    office = Office(api)
    await _raise_in_custody_alert(ingest_api)
    (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")

    letters = await eventually(outcome.dead_letters, bool, what="the dead letter")

    ((_, letter),) = letters
    assert letter.stream == names.alerts_raised
    assert letter.group == DELIVERIES_GROUP
    assert "410" in letter.reason
    assert json.loads(letter.fields["__data__"])["alert"]["alert_id"] == alert["alert_id"]
    assert len(receiver.posts_to("/los")) == 1
    assert await office.delivered_steps(alert["alert_id"]) == []
    assert await _deliveries_pending(redis_client, names) == 0


async def test_a_receiver_that_keeps_failing_is_dead_lettered_after_the_last_attempt(
    redis_url: str,
    receiver: Receiver,
    ingest_api: IngestApi,
    api: httpx.AsyncClient,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    receiver.always["/los"] = 503
    wired = WiredNotifier(build_notifier(settings_for(redis_url, receiver, webhook_max_attempts=3)))
    try:
        await wired.start()
        await _raise_in_custody_alert(ingest_api)
        ((_, letter),) = await eventually(outcome.dead_letters, bool, what="the dead letter")
    finally:
        await wired.stop()

    assert letter.attempts == 3
    assert "after 3 attempts" in letter.reason
    assert "503" in letter.reason
    assert len(receiver.posts_to("/los")) == 3
    assert await _deliveries_pending(redis_client, names) == 0


async def test_each_office_gets_only_its_own_alerts(
    started: WiredNotifier, receiver: Receiver, ingest_api: IngestApi, api: httpx.AsyncClient
) -> None:
    await ingest_api.lodge(samples.detainer(field_office="NYC", detainer_id="NYC-2026-000001"))
    await _raise_in_custody_alert(ingest_api)
    los, nyc = Office(api, "LOS"), Office(api, "NYC")
    (los_alert,) = await eventually(los.alerts, bool, what="LOS's alert")
    (nyc_alert,) = await eventually(nyc.alerts, bool, what="NYC's alert")

    await eventually(lambda: los.delivered_steps(los_alert["alert_id"]), bool, what="LOS's delivery")
    await eventually(lambda: nyc.delivered_steps(nyc_alert["alert_id"]), bool, what="NYC's delivery")

    assert [post.message["alert"]["field_office"] for post in receiver.posts_to("/los")] == ["LOS"]
    assert [post.message["alert"]["field_office"] for post in receiver.posts_to("/nyc")] == ["NYC"]
    assert receiver.posts_to("/nyc")[0].signed_with(NYC_SECRET)
    assert len(receiver.received) == 2


async def test_an_office_without_a_webhook_is_skipped_and_its_message_acknowledged(
    started: WiredNotifier,
    receiver: Receiver,
    ingest_api: IngestApi,
    api: httpx.AsyncClient,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    skipped = WEBHOOK_DELIVERIES.labels(type="alert_raised", outcome="no_webhook")
    skipped_before = skipped._value.get()
    office = Office(api, "HOU")
    await _raise_in_custody_alert(ingest_api, field_office="HOU", detainer_id="HOU-2026-000001")
    (alert,) = await eventually(office.alerts, bool, what="HOU's alert")

    async def acknowledged() -> list[dict[str, Any]]:
        return await redis_client.xinfo_groups(names.alerts_raised)

    groups = await eventually(
        acknowledged,
        lambda groups: any(g["name"] == DELIVERIES_GROUP.encode() and g["last-delivered-id"] != b"0-0" for g in groups),
        what="the deliveries group to read the alert",
    )
    assert await eventually(lambda: _deliveries_pending(redis_client, names), lambda n: n == 0, what="the ack") == 0

    assert receiver.received == []
    assert await office.delivered_steps(alert["alert_id"]) == []
    assert skipped._value.get() == skipped_before + 1
    assert any(group["name"] == DELIVERIES_GROUP.encode() for group in groups)
    report = await describe_queues(redis_client, names)
    (alerts_stream,) = [stream for stream in report.streams if stream.key == names.alerts_raised]
    assert DELIVERIES_GROUP in [group.name for group in alerts_stream.groups]


async def test_a_message_redelivered_after_its_delivery_is_not_posted_again_nor_recorded_twice(
    started: WiredNotifier,
    receiver: Receiver,
    ingest_api: IngestApi,
    api: httpx.AsyncClient,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    office = Office(api)
    await _raise_in_custody_alert(ingest_api)
    (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")
    await eventually(lambda: office.delivered_steps(alert["alert_id"]), bool, what="the delivery")
    ((entry_id, fields),) = await redis_client.xrange(names.alerts_raised)

    (runner,) = [runner for runner in started.notifier.runners if runner.group == DELIVERIES_GROUP]
    await runner.run([StreamEntry(names.alerts_raised, entry_id.decode(), fields)])  # as a redelivery would

    assert await office.delivered_steps(alert["alert_id"]) == ["webhook alert_raised"]
    assert len(receiver.received) == 1


async def test_a_refused_message_replayed_by_an_operator_once_the_receiver_is_fixed_is_delivered(
    started: WiredNotifier, receiver: Receiver, ingest_api: IngestApi, api: httpx.AsyncClient, outcome: Outcome
) -> None:
    receiver.always["/los"] = 404
    office = Office(api)
    await _raise_in_custody_alert(ingest_api)
    (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")
    await eventually(outcome.dead_letters, bool, what="the dead letter")

    receiver.always["/los"] = 200
    (letter,) = (await api.get("/v1/ops/dead-letters")).json()["dead_letters"]
    replayed = await api.post(f"/v1/ops/dead-letters/{letter['id']}/replay")
    assert replayed.status_code == 200, replayed.text

    steps = await eventually(lambda: office.delivered_steps(alert["alert_id"]), bool, what="the replayed delivery")
    assert steps == ["webhook alert_raised"]
    refused, delivered = receiver.posts_to("/los")
    assert delivered.signed_with(LOS_SECRET)
    assert delivered.body == refused.body
