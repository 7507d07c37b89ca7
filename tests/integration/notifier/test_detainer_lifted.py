"""A lifted detainer, as its office sees it: what was still open of it is closed (resolved as detainer_lifted by
releasewatch, every channel told once), its row stops counting down, and a release schedule leaves the
countdowns; what a person had resolved already stays as they left it."""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from contracts import AlertKind, AlertOutcome, AlertStatus, AlertStep, RedisNames, ReleaseStatus
from tests import samples
from tests.integration.notifier.support import (
    AlertStoreWithAWindow,
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    build_ports,
)

DETAINER_ID = samples.detainer()["detainer_id"]


async def booked_with_a_release_scheduled(ingest_api: IngestApi, notifier: NotifierInstance, streams: Streams) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking(), samples.release_scheduled())
    await notifier.catch_up(streams)


async def test_lifting_the_detainer_closes_its_open_alerts_and_stops_the_rows_countdown(
    api: httpx.AsyncClient, ingest_api: IngestApi, notifier: NotifierInstance, streams: Streams, outcome: Outcome
) -> None:
    await booked_with_a_release_scheduled(ingest_api, notifier, streams)
    before = (await api.get("/v1/stories")).json()["stories"][0]["now"]["state"]
    counting = (await api.get("/v1/alerts", params={"release_status": "scheduled"})).json()["alerts"]

    await ingest_api.lift(DETAINER_ID, reason="custody_assumed")
    await notifier.catch_up(streams)

    assert before in ("release_scheduled", "release_time_passed")
    assert [alert["kind"] for alert in counting] == ["release_scheduled"]
    alerts = {alert.kind: alert for alert in await outcome.alerts()}
    assert set(alerts) == {AlertKind.IN_CUSTODY, AlertKind.RELEASE_SCHEDULED}
    for alert in alerts.values():
        assert (alert.status, alert.outcome, alert.resolved_by) == (
            AlertStatus.RESOLVED,
            AlertOutcome.DETAINER_LIFTED,
            None,
        )
        assert (alert.timeline[-1].what, alert.timeline[-1].detail) == (
            AlertStep.DETAINER_LIFTED,
            "detainer lifted: custody_assumed",
        )
    assert alerts[AlertKind.RELEASE_SCHEDULED].release_status is ReleaseStatus.CANCELLED
    updated = await outcome.alerts_updated()
    assert sorted(message.alert.kind.value for message in updated) == ["in_custody", "release_scheduled"]
    assert {message.change for message in updated} == {AlertStep.DETAINER_LIFTED}
    assert (await api.get("/v1/alerts", params={"release_status": "scheduled"})).json()["alerts"] == []
    (story,) = (await api.get("/v1/stories")).json()["stories"]
    assert story["now"]["state"] == "detainer_lifted"
    assert story["now"]["summary"].startswith("detainer lifted")
    assert story["open_alerts"] == 0
    page = (await api.get("/offices/LOS")).text
    assert "detainer lifted" in page
    assert "release in" not in page


async def test_a_lift_seen_again_closes_nothing_more_and_a_persons_resolution_stands(
    api: httpx.AsyncClient,
    ingest_api: IngestApi,
    notifier: NotifierInstance,
    streams: Streams,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await booked_with_a_release_scheduled(ingest_api, notifier, streams)
    in_custody = next(alert for alert in await outcome.alerts() if alert.kind is AlertKind.IN_CUSTODY)
    resolved = await api.post(f"/v1/alerts/{in_custody.alert_id}/resolve", json={"outcome": "custody_assumed"})
    assert resolved.status_code == 200, resolved.text

    await ingest_api.lift(DETAINER_ID)
    lift = await streams.new_detainer_changes()
    await notifier.lodges.process(lift)
    await notifier.lodges.process(lift)  # delivered again: after a crash, or by a second notifier

    alerts = {alert.kind: alert for alert in await outcome.alerts()}
    assert alerts[AlertKind.IN_CUSTODY].outcome is AlertOutcome.CUSTODY_ASSUMED  # the person's word stands
    assert alerts[AlertKind.RELEASE_SCHEDULED].outcome is AlertOutcome.DETAINER_LIFTED
    assert [message.alert.kind for message in await outcome.alerts_updated()] == [AlertKind.RELEASE_SCHEDULED]
    assert await redis_client.xlen(names.dead_letters) == 0


async def test_a_lift_another_notifier_processes_while_a_booking_is_raised_leaves_no_alert_open(
    api: httpx.AsyncClient,
    ingest_api: IngestApi,
    streams: Streams,
    outcome: Outcome,
    redis_client: Redis,
    second_client: Redis,
    names: RedisNames,
) -> None:
    """The booking's batch matched the detainer while it was active; the office lifts it, and the other notifier
    closes what it finds of it, before the batch writes its alerts: the office must not be left with an open alert
    (and a countdown) on a detainer it lifted."""
    await ingest_api.lodge(samples.detainer())
    await streams.new_detainer_changes()
    lifting_notifier = await NotifierInstance.start(build_ports(second_client, names))

    async def lift_and_process_it() -> None:
        await ingest_api.lift(DETAINER_ID, reason="custody_assumed")
        await lifting_notifier.lodges.process(await streams.new_detainer_changes())

    booking_notifier = await NotifierInstance.start(
        build_ports(redis_client, names, alerts=AlertStoreWithAWindow(redis_client, names, before=lift_and_process_it))
    )
    await ingest_api.submit(samples.booking(), samples.release_scheduled())

    await booking_notifier.custody.process(await streams.new_custody_events())

    alerts = {alert.kind: alert for alert in await outcome.alerts()}
    assert set(alerts) == {AlertKind.IN_CUSTODY, AlertKind.RELEASE_SCHEDULED}  # the facts came before the lift
    for alert in alerts.values():
        assert (alert.status, alert.outcome) == (AlertStatus.RESOLVED, AlertOutcome.DETAINER_LIFTED)
        assert alert.timeline[-1].detail == "detainer lifted: custody_assumed"
    assert alerts[AlertKind.RELEASE_SCHEDULED].release_status is ReleaseStatus.CANCELLED
    assert (await api.get("/v1/alerts", params={"release_status": "scheduled"})).json()["alerts"] == []
    (story,) = (await api.get("/v1/stories")).json()["stories"]
    assert (story["now"]["state"], story["open_alerts"]) == ("detainer_lifted", 0)
