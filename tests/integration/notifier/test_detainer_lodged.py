"""A detainer lodged on someone already in custody raises its alerts at once."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from contracts import AlertKind, AlertTrigger, RedisNames
from notifier.handlers import detainer_index
from tests import samples
from tests.integration.notifier.support import IngestApi, NotifierInstance, Outcome, Streams, build_ports


async def book(notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, *events: dict[str, object]) -> None:
    """The jail's events, processed before any detainer exists (so they raise nothing)."""
    await ingest_api.submit(*events)
    report = await notifier.custody.process(await streams.new_custody_events())
    assert report.alerts == []


async def test_lodging_a_detainer_on_someone_in_custody_raises_an_in_custody_alert(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await book(notifier, streams, ingest_api, samples.booking())

    await ingest_api.lodge(samples.detainer(field_office="LOS"))
    await notifier.lodges.process(await streams.new_detainer_changes())

    (alert,) = await outcome.alerts("LOS")
    assert alert.kind is AlertKind.IN_CUSTODY
    assert alert.trigger is AlertTrigger.DETAINER_LODGED
    assert alert.event_id is None
    assert alert.detainer_id == "LOS-2026-000871"
    assert (alert.facility_ori, alert.booking_number) == ("CA0194200", "2026-004512")
    assert [raised.alert for raised in await outcome.alerts_raised()] == [alert]


async def test_lodging_a_detainer_when_a_release_time_is_known_also_raises_release_scheduled(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await book(notifier, streams, ingest_api, samples.booking(), samples.release_scheduled())

    await ingest_api.lodge(samples.detainer())
    await notifier.lodges.process(await streams.new_detainer_changes())

    by_kind = {alert.kind: alert for alert in await outcome.alerts("LOS")}
    assert sorted(by_kind) == ["in_custody", "release_scheduled"]
    scheduled_at = by_kind[AlertKind.RELEASE_SCHEDULED].scheduled_release_at
    assert scheduled_at is not None
    assert scheduled_at.isoformat() == "2026-11-24T09:00:00-08:00"


async def test_lodging_a_detainer_after_a_cancelled_release_raises_in_custody_only(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await book(
        notifier, streams, ingest_api, samples.booking(), samples.release_scheduled(), samples.release_cancelled()
    )

    await ingest_api.lodge(samples.detainer())
    await notifier.lodges.process(await streams.new_detainer_changes())

    assert await outcome.alert_kinds("LOS") == ["in_custody"]


async def test_lodging_a_detainer_on_someone_already_released_tells_the_whole_stay(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await book(notifier, streams, ingest_api, samples.booking(), samples.release_scheduled(), samples.release())

    await ingest_api.lodge(samples.detainer())
    report = await notifier.lodges.process(await streams.new_detainer_changes())

    stay = [AlertKind.IN_CUSTODY, AlertKind.RELEASED, AlertKind.RELEASE_SCHEDULED]
    assert sorted(alert.kind for alert in report.alerts) == sorted(stay)
    assert all(alert.trigger is AlertTrigger.DETAINER_LODGED for alert in report.alerts)


async def test_a_lodge_after_a_release_and_a_resent_feed_raise_each_alert_once(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    feed = [samples.booking(), samples.release()]
    await book(notifier, streams, ingest_api, *feed)
    await ingest_api.lodge(samples.detainer())
    await notifier.lodges.process(await streams.new_detainer_changes())

    resent = [{**event, "event_id": event["event_id"] + "-resent"} for event in feed]
    await book(notifier, streams, ingest_api, *resent)

    assert sorted(alert.kind for alert in await outcome.alerts("LOS")) == [AlertKind.IN_CUSTODY, AlertKind.RELEASED]


async def test_lodging_a_detainer_on_someone_never_booked_raises_no_alert(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(samples.detainer())

    report = await notifier.lodges.process(await streams.new_detainer_changes())

    assert report.alerts == []
    assert report.processed == 1
    assert await outcome.alerts() == []


async def test_processing_the_same_lodge_twice_raises_its_alerts_once(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await book(notifier, streams, ingest_api, samples.booking(), samples.release_scheduled())
    await ingest_api.lodge(samples.detainer())
    changes = await streams.new_detainer_changes()

    first = await notifier.lodges.process(changes)
    again = await notifier.lodges.process(changes)

    assert len(first.alerts) == 2
    assert again.alerts == []
    assert await outcome.alert_kinds() == ["in_custody", "release_scheduled"]
    assert len(await outcome.alerts_raised()) == 2


async def test_a_detainer_lifted_before_its_lodge_is_processed_raises_no_alert(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await book(notifier, streams, ingest_api, samples.booking())
    await ingest_api.lodge(samples.detainer())
    await ingest_api.lift("LOS-2026-000871", reason="prosecutorial_discretion")

    report = await notifier.lodges.process(await streams.new_detainer_changes())

    assert report.alerts == []
    assert await outcome.alerts() == []


async def test_a_lodge_finds_the_person_under_any_shared_identifier(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await book(notifier, streams, ingest_api, samples.booking())
    by_fbi_number_only = samples.person(fbi_number="123456AB9", state_id=None, a_number=None)

    await ingest_api.lodge(samples.detainer(person=by_fbi_number_only))
    await notifier.lodges.process(await streams.new_detainer_changes())

    (alert,) = await outcome.alerts("LOS")
    assert alert.match.rule == "identifier"
    levels = [(field.field, field.level) for field in alert.match.fields]
    assert levels[0] == ("fbi_number", "exact")  # the only identifier both carry
    assert ("date_of_birth", "exact") in levels
    assert ("sex", "exact") in levels


async def test_a_lodge_finds_a_person_booked_without_identifiers_by_name_and_birth_date(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    booked_as = samples.person(
        first_name="Pepe",
        middle_name=None,
        last_name="García López",
        aliases=[],
        fbi_number=None,
        a_number=None,
        state_id=None,
    )
    await book(notifier, streams, ingest_api, samples.booking(person=booked_as))

    await ingest_api.lodge(samples.detainer(person=samples.person(aliases=[])))
    await notifier.lodges.process(await streams.new_detainer_changes())

    (alert,) = await outcome.alerts("LOS")
    assert alert.kind is AlertKind.IN_CUSTODY
    assert alert.match.rule == "score"
    assert ("given_name", "nickname") in [(field.field, field.level) for field in alert.match.fields]


async def test_a_lodge_taken_over_by_a_notifier_started_after_it_raises_its_alert(
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    """A notifier started after the lodge (one taking over a crashed one's entries) loaded the detainer from its
    record and never read its changelog entry: it reads the entry itself, and the office is still alerted."""
    await book(notifier, streams, ingest_api, samples.booking())
    await ingest_api.lodge(samples.detainer(field_office="LOS"))
    changes = await streams.new_detainer_changes()  # read through the group, as the crashed notifier had
    successor = await NotifierInstance.start(build_ports(redis_client, names))
    assert successor.ports.detainers.change_read(changes[0].message_id) is None  # (what this test is about)

    report = await successor.lodges.process(changes)

    assert (report.processed, report.dead_lettered) == (1, 0)
    (alert,) = await outcome.alerts("LOS")
    assert (alert.kind, alert.trigger) == (AlertKind.IN_CUSTODY, AlertTrigger.DETAINER_LODGED)


async def test_a_lift_the_index_read_is_taken_as_a_lift_by_the_lodges_consumer(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    """The lift is read by the index first (as every change is); the lodges' consumer takes it as a lift."""
    await book(notifier, streams, ingest_api, samples.booking())
    await ingest_api.lodge(samples.detainer(field_office="LOS"))
    await ingest_api.lift("LOS-2026-000871")
    changes = await streams.new_detainer_changes()

    report = await notifier.lodges.process(changes)

    assert [notifier.ports.detainers.change_read(change.message_id) for change in changes] == [
        (True, "LOS/LOS-2026-000871"),
        (False, "LOS/LOS-2026-000871"),
    ]
    assert (report.processed, report.alerts) == (2, [])
    assert await outcome.alerts("LOS") == []


async def test_what_the_index_keeps_of_the_changes_it_read_is_bounded_and_the_lodges_still_alert(
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(detainer_index, "_CHANGES_KEPT", 2)  # the newest 2 kept once 4 are: LOS and SEA go
    await book(notifier, streams, ingest_api, samples.booking())
    offices = ["LOS", "SEA", "NYC", "HOU", "MIA"]
    for office in offices:
        await ingest_api.lodge(samples.detainer(detainer_id=f"{office}-2026-000001", field_office=office))
    changes = await streams.new_detainer_changes()

    report = await notifier.lodges.process(changes)

    kept = [notifier.ports.detainers.change_read(change.message_id) for change in changes]
    assert kept == [None, None, *((True, f"{office}/{office}-2026-000001") for office in ["NYC", "HOU", "MIA"])]
    assert report.processed == len(offices)
    for office in offices:  # the forgotten lodges read by the consumer itself
        assert await outcome.alert_kinds(office) == ["in_custody"]
