"""Custody events in, alerts out: what a field office sees after the notifier processed a batch."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from contracts import Alert, AlertKind, AlertTrigger, FieldAgreement, MatchDecision, RedisNames
from tests import samples
from tests.integration.notifier.support import (
    FIXED_NOW,
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    without_identifiers_but,
)

HOU_DETAINER = samples.detainer(
    detainer_id="HOU-2026-000042",
    field_office="HOU",
    person=samples.person(**without_identifiers_but(a_number="A12345678")),  # the same A-number, no leading zero
)


async def process_new_events(notifier: NotifierInstance, streams: Streams) -> list[Alert]:
    report = await notifier.custody.process(await streams.new_custody_events())
    return report.alerts


async def test_booking_a_detained_person_raises_one_in_custody_alert_for_the_detainers_office(
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(samples.booking())

    await process_new_events(notifier, streams)

    (alert,) = await outcome.alerts()
    assert alert.kind is AlertKind.IN_CUSTODY
    assert alert.field_office == "HOU"
    assert alert.detainer_id == "HOU-2026-000042"
    assert (alert.facility_ori, alert.booking_number) == ("CA0194200", "2026-004512")
    assert alert.trigger is AlertTrigger.CUSTODY_EVENT
    assert alert.event_id == "evt-0001"
    assert alert.raised_at == FIXED_NOW
    assert alert.person is not None
    assert alert.person.last_name == "GARCIA LOPEZ"
    assert alert.match.decision is MatchDecision.MATCH
    assert alert.match.rule == "identifier"
    assert alert.match.score is not None
    assert FieldAgreement(field="a_number", level="exact") in alert.match.fields
    levels = {(agreement.field, agreement.level) for agreement in alert.match.fields}
    assert {("given_name", "exact"), ("surname", "both_exact"), ("date_of_birth", "exact"), ("sex", "exact")} <= levels

    stored = await redis_client.get(names.alert(alert.alert_id))
    assert stored is not None
    assert Alert.model_validate_json(stored) == alert
    for listing in names.listings("alerts", "HOU", "open"):
        assert await redis_client.zrange(listing, 0, -1) == [alert.alert_id.encode()], listing
    assert await outcome.alerts("LOS") == []
    assert [raised.alert for raised in await outcome.alerts_raised()] == [alert]


async def test_processing_the_same_entries_again_raises_no_new_alert(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(samples.booking(), samples.release_scheduled())
    entries = await streams.new_custody_events()
    first = await notifier.custody.process(entries)

    again = await notifier.custody.process(entries)

    assert sorted(alert.kind for alert in first.alerts) == ["in_custody", "release_scheduled"]
    assert again.alerts == []
    assert await outcome.alert_kinds() == ["in_custody", "release_scheduled"]
    assert len(await outcome.alerts_raised()) == 2


async def test_the_alerts_raised_are_counted_by_kind_once_each_and_a_stale_schedule_apart(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi
) -> None:
    def raised() -> dict[str, float]:
        return {
            kind: REGISTRY.get_sample_value("releasewatch_notifier_alerts_raised_total", {"kind": kind}) or 0.0
            for kind in ("in_custody", "release_scheduled", "released", "transferred", "possible_match")
        }

    def stale() -> float:
        sample = REGISTRY.get_sample_value(
            "releasewatch_notifier_release_schedules_stale_total", {"release_status": "released"}
        )
        return sample or 0.0

    await ingest_api.lodge(HOU_DETAINER)
    elsewhere = samples.booking(event_id="evt-0101", facility_ori="CA0190000", booking_number="2026-000077")
    await ingest_api.submit(samples.booking(), samples.release_scheduled(), samples.release(), elsewhere)
    entries = await streams.new_custody_events()
    before, stale_before = raised(), stale()
    await notifier.custody.process(entries)
    once, stale_once = raised(), stale()
    await notifier.custody.process(entries)  # redelivered: nothing raised again

    assert {kind: once[kind] - before[kind] for kind in once} == {
        "in_custody": 2,
        "release_scheduled": 0,  # released in the same batch: stale on arrival, recorded closed, not raised
        "released": 1,
        "transferred": 0,
        "possible_match": 0,
    }
    assert stale_once - stale_before == 1
    assert (raised(), stale()) == (once, stale_once)


async def test_the_same_facts_resent_under_new_event_ids_raise_no_new_alert(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    feed = [samples.booking(), samples.release_scheduled()]
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(*feed)
    await process_new_events(notifier, streams)

    await ingest_api.submit(*({**event, "event_id": event["event_id"] + "-resent"} for event in feed))
    resent = await process_new_events(notifier, streams)

    assert resent == []
    assert await outcome.alert_kinds() == ["in_custody", "release_scheduled"]
    assert len(await outcome.alerts_raised()) == 2


@pytest.mark.parametrize("batches", ["one_batch_per_event", "all_in_one_batch"])
async def test_a_scheduled_then_completed_release_raises_release_scheduled_and_released_alerts(
    batches: str, notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(HOU_DETAINER)
    feed = [samples.booking(), samples.release_scheduled(), samples.release()]
    if batches == "all_in_one_batch":
        await ingest_api.submit(*feed)
        await process_new_events(notifier, streams)
    else:
        for event in feed:
            await ingest_api.submit(event)
            await process_new_events(notifier, streams)

    by_kind = {alert.kind: alert for alert in await outcome.alerts("HOU")}
    assert sorted(by_kind) == ["in_custody", "release_scheduled", "released"]
    assert by_kind[AlertKind.IN_CUSTODY].event_id == "evt-0001"  # raised by the booking, however batched
    scheduled = by_kind[AlertKind.RELEASE_SCHEDULED]
    assert scheduled.scheduled_release_at is not None
    assert scheduled.scheduled_release_at.isoformat() == "2026-11-24T09:00:00-08:00"
    assert scheduled.event_id == "evt-0003"
    released = by_kind[AlertKind.RELEASED]
    assert released.released_at is not None
    assert released.released_at.isoformat() == "2026-11-24T09:05:00-08:00"
    assert released.event_id == "evt-0005"
    announced = sorted(raised.alert.kind.value for raised in await outcome.alerts_raised())
    if batches == "all_in_one_batch":  # the schedule no longer stood when it arrived: recorded, never announced
        assert announced == ["in_custody", "released"]
        assert (scheduled.status.value, scheduled.release_status) == ("resolved", "released")
    else:
        assert announced == ["in_custody", "release_scheduled", "released"]


async def test_a_person_matching_no_detainer_raises_no_alert(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    someone_else = samples.person(
        first_name="MARIA",
        last_name="HERNANDEZ",
        date_of_birth="1975-08-30",
        sex="F",
        aliases=[],
        **without_identifiers_but(a_number="A099999999", fbi_number="999999ZZ9"),
    )
    await ingest_api.lodge(samples.detainer(person=someone_else))
    await ingest_api.submit(samples.booking(), samples.release_scheduled())

    assert await process_new_events(notifier, streams) == []

    assert await outcome.alerts() == []
    assert await outcome.alerts_raised() == []
    assert (await outcome.booking()).in_custody  # the facts are kept for a detainer lodged later


async def test_a_detainer_lifted_before_the_event_is_processed_raises_no_alert(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(samples.booking())
    await ingest_api.lift("HOU-2026-000042", reason="citizenship_claim")

    assert await process_new_events(notifier, streams) == []

    assert await outcome.alerts() == []
    assert await outcome.alerts_raised() == []


async def test_a_detainer_lifted_between_two_events_raises_nothing_after_the_lift(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(samples.booking())
    await process_new_events(notifier, streams)

    await ingest_api.lift("HOU-2026-000042")
    await ingest_api.submit(samples.release_scheduled(), samples.release())
    await process_new_events(notifier, streams)

    assert await outcome.alert_kinds() == ["in_custody"]


async def test_two_detainers_from_two_offices_on_the_same_person_raise_one_alert_each(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-2026-000871", field_office="LOS"))
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(samples.booking())

    await process_new_events(notifier, streams)

    offices: dict[str, Any] = {
        office: [(alert.kind, alert.detainer_id) for alert in await outcome.alerts(office)]
        for office in ("LOS", "HOU", "NYC")
    }
    assert offices == {
        "LOS": [(AlertKind.IN_CUSTODY, "LOS-2026-000871")],
        "HOU": [(AlertKind.IN_CUSTODY, "HOU-2026-000042")],
        "NYC": [],
    }
    assert len(await outcome.alerts_raised()) == 2


async def test_a_detainer_on_another_facility_booking_of_the_same_person_is_alerted_per_booking(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(
        samples.booking(),
        samples.booking(event_id="evt-0100", facility_ori="CA0190000", booking_number="B-77"),
    )

    await process_new_events(notifier, streams)

    alerts = await outcome.alerts("HOU")
    assert sorted((alert.facility_ori, alert.booking_number) for alert in alerts) == [
        ("CA0190000", "B-77"),
        ("CA0194200", "2026-004512"),
    ]


async def test_the_in_custody_alert_names_the_booking_event_even_when_later_events_share_its_batch(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(samples.booking(), samples.release_scheduled())

    await process_new_events(notifier, streams)

    by_kind = {alert.kind: alert for alert in await outcome.alerts("HOU")}
    assert by_kind[AlertKind.RELEASE_SCHEDULED].event_id == "evt-0003"
    assert by_kind[AlertKind.IN_CUSTODY].event_id == "evt-0001"


async def test_the_events_metric_counts_each_processed_event_by_its_type(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi
) -> None:
    types = ("booking", "release_scheduled", "release")

    def counted(kind: str) -> float:
        return REGISTRY.get_sample_value("releasewatch_notifier_events_total", {"type": kind}) or 0.0

    before = {kind: counted(kind) for kind in types}
    await ingest_api.submit(
        samples.booking(),
        samples.booking(event_id="evt-0100", booking_number="2026-009999"),
        samples.release_scheduled(),
        samples.release(),
    )

    await process_new_events(notifier, streams)

    assert {kind: counted(kind) - before[kind] for kind in types} == {
        "booking": 2,
        "release_scheduled": 1,
        "release": 1,
    }


async def test_a_booking_arriving_with_its_release_raises_an_in_custody_alert_saying_the_person_left(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    # A short stay in one batch file: booked and released before releasewatch heard of either.
    await ingest_api.lodge(HOU_DETAINER)
    await ingest_api.submit(samples.booking(), samples.release())

    await process_new_events(notifier, streams)

    alerts = {alert.kind: alert for alert in await outcome.alerts()}
    assert set(alerts) == {AlertKind.IN_CUSTODY, AlertKind.RELEASED}
    assert alerts[AlertKind.IN_CUSTODY].left_custody_at == alerts[AlertKind.RELEASED].released_at
    (raised,) = [m for m in await outcome.alerts_raised() if m.alert.kind is AlertKind.IN_CUSTODY]
    assert raised.alert.left_custody_at is not None  # what every channel is told
