"""A detainer lodged on someone already in custody raises its alerts at once."""

from __future__ import annotations

from contracts import AlertKind, AlertTrigger
from tests import samples
from tests.integration.notifier.support import IngestApi, NotifierInstance, Outcome, Streams


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
