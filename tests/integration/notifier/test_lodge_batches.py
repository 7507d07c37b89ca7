"""A batch of lodged detainers is searched for and decided together: the alerts are those each lodge raises on
its own, in as many round trips as a batch of one takes."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis

from contracts import Alert, RedisNames
from tests import samples
from tests.integration.notifier.support import (
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    build_ports,
    without_identifiers_but,
)
from tests.support.round_trips import Writes

HELD, ALSO_HELD, LEFT = "2026-000001", "2026-000002", "2026-000003"


def someone(first_name: str, last_name: str, date_of_birth: str, a_number: str) -> dict[str, Any]:
    return samples.person(
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        aliases=[],
        **without_identifiers_but(a_number=a_number),
    )


HELD_PERSON = samples.person()
NAMESAKE = samples.person(**without_identifiers_but(a_number="A098765432"))  # the held person's name, not theirs
ALSO_HELD_PERSON = someone("ANA", "TORRES", "1984-02-11", "A055555555")
LEFT_PERSON = someone("MARIA", "HERNANDEZ", "1975-08-30", "A087654321")
NOT_BOOKED = someone("PEDRO", "RUIZ", "1969-12-01", "A044444444")


async def book_everyone(notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi) -> None:
    await ingest_api.submit(
        samples.booking(event_id="b-held", booking_number=HELD, person=HELD_PERSON),
        samples.booking(event_id="b-also", booking_number=ALSO_HELD, person=ALSO_HELD_PERSON),
        samples.booking(event_id="b-left", booking_number=LEFT, person=LEFT_PERSON),
        samples.release(event_id="r-left", booking_number=LEFT),
    )
    await notifier.custody.process(await streams.new_custody_events())


def raised(alerts: list[Alert]) -> list[tuple[str, str, str]]:
    return sorted((alert.detainer_id, alert.booking_number, alert.kind.value) for alert in alerts)


@pytest.mark.parametrize("together", [False, True], ids=["one lodge a batch", "one batch"])
async def test_a_batch_of_lodges_raises_the_alerts_its_lodges_raise_one_by_one(
    together: bool, notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await book_everyone(notifier, streams, ingest_api)
    lodges = {
        "LOS-HELD-1": HELD_PERSON,
        "LOS-HELD-2": HELD_PERSON,  # the same candidates as the first
        "LOS-NAMESAKE": NAMESAKE,  # the held person's booking a candidate too, decided otherwise
        "LOS-ALSO": ALSO_HELD_PERSON,  # lifted before its lodge is processed
        "LOS-LEFT": LEFT_PERSON,
        "LOS-NOT-BOOKED": NOT_BOOKED,
    }
    for detainer_id, person in lodges.items():
        await ingest_api.lodge(samples.detainer(detainer_id=detainer_id, person=person))
    await ingest_api.lift("LOS-ALSO")
    changes = await streams.new_detainer_changes()
    filed_under = notifier.ports.booking_index.bookings_filed_under_each
    searched: list[int] = []

    async def counted(searches: Any) -> list[list[str]]:
        searched.append(len(searches))
        return await filed_under(searches)

    notifier.ports.booking_index.bookings_filed_under_each = counted  # type: ignore[method-assign]

    if together:
        reports = [await notifier.lodges.process(changes)]
    else:
        reports = [await notifier.lodges.process([change]) for change in changes]

    # One search a lodge of a detainer still active, in one call a batch.
    assert searched == ([5] if together else [1, 1, 1, 0, 1, 1, 0])  # (the last entry: the lift)
    expected = [
        ("LOS-HELD-1", HELD, "in_custody"),
        ("LOS-HELD-2", HELD, "in_custody"),
        ("LOS-LEFT", LEFT, "in_custody"),
        ("LOS-LEFT", LEFT, "released"),
        ("LOS-NAMESAKE", HELD, "possible_match"),
    ]
    assert raised([alert for report in reports for alert in report.alerts]) == expected
    assert raised(await outcome.alerts()) == expected


async def test_a_batch_of_lodges_takes_the_round_trips_of_a_batch_of_one(
    lean_client: Redis, names: RedisNames, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    notifier = await NotifierInstance.start(build_ports(lean_client, names))
    await book_everyone(notifier, streams, ingest_api)
    await ingest_api.lodge(samples.detainer(detainer_id="LOS-FIRST", person=NAMESAKE))
    await notifier.lodges.process(await streams.new_detainer_changes())  # the scripts loaded, as they stay
    for detainer_id, person in (
        ("LOS-ONE", HELD_PERSON),
        ("LOS-ALSO", ALSO_HELD_PERSON),
        ("LOS-LEFT", LEFT_PERSON),
        ("LOS-NO", NOT_BOOKED),
    ):
        await ingest_api.lodge(samples.detainer(detainer_id=detainer_id, person=person))
    one, *others = await streams.new_detainer_changes()

    writes = await Writes.connected(lean_client)
    await notifier.lodges.process([one])
    of_one = writes.count
    writes.count = 0
    await notifier.lodges.process(others)

    # The changelog read, the subjects searched for, their candidates loaded, the alerts raised and entered in the
    # audit trail (no reminders planned here to share a round trip with): whatever the number of lodges.
    assert of_one == 5
    assert writes.count == 5
    assert raised(await outcome.alerts()) == [
        ("LOS-ALSO", ALSO_HELD, "in_custody"),
        ("LOS-FIRST", HELD, "possible_match"),
        ("LOS-LEFT", LEFT, "in_custody"),
        ("LOS-LEFT", LEFT, "released"),
        ("LOS-ONE", HELD, "in_custody"),
    ]
