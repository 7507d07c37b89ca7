"""A lodge or a lift changes what the very next event matches, on every notifier instance.

Two notifier instances share one Redis, each with its own in-memory detainer
index (as two processes would). Neither processes the detainer changelog's
consumer group here: each learns of the lodge or lift only by syncing the
changelog before it matches, which is what makes the next event right.
"""

from __future__ import annotations

from redis.asyncio import Redis

from contracts import AlertKind, MatchDecision, RedisNames
from tests import samples
from tests.integration.notifier.desks import booked_by_name_only
from tests.integration.notifier.support import IngestApi, NotifierInstance, Outcome, Streams, build_ports


async def two_instances(first_client: Redis, second_client: Redis, names: RedisNames) -> list[NotifierInstance]:
    return [
        await NotifierInstance.start(build_ports(first_client, names)),
        await NotifierInstance.start(build_ports(second_client, names)),
    ]


async def test_a_detainer_lodged_after_both_instances_started_is_matched_by_the_next_event_on_either(
    redis_client: Redis,
    second_client: Redis,
    names: RedisNames,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    first, second = await two_instances(redis_client, second_client, names)
    await ingest_api.lodge(samples.detainer())

    await ingest_api.submit(samples.booking(person=booked_by_name_only()))
    await second.custody.process(await streams.new_custody_events())
    await ingest_api.submit(samples.booking(event_id="evt-0100", booking_number="2026-009999"))
    await first.custody.process(await streams.new_custody_events())

    alerts = await outcome.alerts("LOS")
    assert sorted((alert.booking_number, alert.kind) for alert in alerts) == [
        ("2026-004512", AlertKind.IN_CUSTODY),
        ("2026-009999", AlertKind.IN_CUSTODY),
    ]
    by_name = next(alert for alert in alerts if alert.booking_number == "2026-004512")
    assert by_name.match.decision is MatchDecision.MATCH
    assert by_name.match.rule == "score"  # found by name and date of birth: no identifier on the booking


async def test_a_detainer_lifted_after_both_instances_loaded_it_matches_no_later_event_on_either(
    redis_client: Redis,
    second_client: Redis,
    names: RedisNames,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    await ingest_api.lodge(samples.detainer())
    first, second = await two_instances(redis_client, second_client, names)  # both hold it in memory
    await ingest_api.lift("LOS-2026-000871", reason="citizenship_claim")

    await ingest_api.submit(samples.booking(person=booked_by_name_only()))
    first_report = await first.custody.process(await streams.new_custody_events())
    await ingest_api.submit(samples.booking(event_id="evt-0100", booking_number="2026-009999"))
    second_report = await second.custody.process(await streams.new_custody_events())

    assert first_report.alerts == second_report.alerts == []
    assert await outcome.alerts() == []


async def test_a_detainer_lodged_again_after_a_lift_is_matched_again(
    redis_client: Redis,
    second_client: Redis,
    names: RedisNames,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    first, second = await two_instances(redis_client, second_client, names)
    await ingest_api.lodge(samples.detainer())
    await ingest_api.lift("LOS-2026-000871", reason="cancelled")
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-2026-000872"))

    await ingest_api.submit(samples.booking(person=booked_by_name_only()))
    await first.custody.process(await streams.new_custody_events())
    await ingest_api.submit(samples.booking(event_id="evt-0100", booking_number="2026-009999"))
    await second.custody.process(await streams.new_custody_events())

    alerts = await outcome.alerts("LOS")
    assert sorted((alert.booking_number, alert.detainer_id) for alert in alerts) == [
        ("2026-004512", "LOS-2026-000872"),
        ("2026-009999", "LOS-2026-000872"),
    ]
