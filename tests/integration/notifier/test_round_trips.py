"""A custody batch's round trips to Redis: few (a batch of one pays each one's fixed cost), and still in the order
the lodge race needs: a detainer lodged while a booking is processed is seen by one side or the other."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from notifier.bootstrap import NotifierOptions, build_parts
from notifier.domain.feeds import FeedPolicy
from store.feeds import FeedReader
from store.scripts import SCRIPTS
from tests import samples
from tests.integration.notifier.support import (
    BOOKING_NUMBER,
    FACILITY,
    RETENTION_SECONDS,
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    build_ports,
    fixed_clock,
)
from tests.support.round_trips import Writes


async def notifier_on(client: Redis, names: RedisNames) -> NotifierInstance:
    """A notifier as deployed: feeds watched (their counting is part of every batch)."""
    options = NotifierOptions(booking_retention_seconds=RETENTION_SECONDS, feeds=FeedPolicy(), clock=fixed_clock)
    return await NotifierInstance.start(build_parts(client, names, options).ports)


async def test_a_batch_of_one_booking_takes_three_round_trips(
    lean_client: Redis, names: RedisNames, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    notifier = await notifier_on(lean_client, names)
    await ingest_api.submit(samples.booking(event_id="evt-earlier", booking_number="2026-000001"))
    await notifier.custody.process(await streams.new_custody_events())  # the scripts loaded, as they stay
    await ingest_api.submit(samples.booking())
    batch = await streams.new_custody_events()
    writes = await Writes.connected(lean_client)

    await notifier.custody.process(batch)

    # The feed counted with the booking's state read, the state saved, the booking filed (by person and in
    # custody) with the detainer changelog read after the filings.
    assert writes.count == 3
    assert (await outcome.booking()).in_custody
    assert FACILITY in await FeedReader(lean_client, names).facilities()
    await ingest_api.lodge(samples.detainer())  # the booking was filed by person: the lodge finds it
    await notifier.lodges.process(await streams.new_detainer_changes())
    alerted = [(alert.booking_number, alert.kind.value) for alert in await outcome.alerts("LOS")]
    assert (BOOKING_NUMBER, "in_custody") in alerted


async def test_a_detainer_lodged_before_the_batch_is_matched_by_it(
    lean_client: Redis, names: RedisNames, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    notifier = await notifier_on(lean_client, names)
    await ingest_api.lodge(samples.detainer())  # on the changelog; this notifier's index has not read it yet
    await ingest_api.submit(samples.booking())

    await notifier.custody.process(await streams.new_custody_events())

    assert await outcome.alert_kinds("LOS") == ["in_custody"]


def loading_with_a_window(
    client: Redis, script: str, meanwhile: Callable[[], Awaitable[None]]
) -> Callable[[str], Awaitable[Any]]:
    """``client.script_load`` that runs ``meanwhile`` once, before ``script`` is loaded again."""
    load = client.script_load
    pending: list[Callable[[], Awaitable[None]]] = [meanwhile]

    async def loading(source: str) -> Any:
        if source == script and pending:
            await pending.pop()()
        return await load(source)

    return loading


@pytest.mark.parametrize(
    ("lost", "sent_again"),
    [("every script", "file_bookings"), ("the saves' script alone", "save_booking")],
)
async def test_a_detainer_lodged_while_redis_refused_a_script_is_still_matched(
    lost: str,
    sent_again: str,
    lean_client: Redis,
    second_client: Redis,
    names: RedisNames,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Redis lost its scripts (a restart, SCRIPT FLUSH): the filing by person (or the save, written before it and
    answered after it went) is refused, its script loaded and the call sent again, after the batch read the
    changelog once. A detainer lodged in between, its lodge processed before the booking is filed (or saved), is
    found by neither side unless the batch reads the changelog again."""
    booking_notifier = await notifier_on(lean_client, names)
    lodging_notifier = await NotifierInstance.start(build_ports(second_client, names))
    lodge_missed_it: list[bool] = []

    async def lodge_and_process_it() -> None:
        await ingest_api.lodge(samples.detainer())
        await lodging_notifier.lodges.process(await streams.new_detainer_changes())
        lodge_missed_it.append(await outcome.alerts() == [])

    await ingest_api.submit(samples.booking())
    batch = await streams.new_custody_events()
    await lean_client.script_flush()
    if lost != "every script":
        for name in SCRIPTS.names():
            if name != sent_again:
                await lean_client.script_load(SCRIPTS.source(name))
    window = loading_with_a_window(lean_client, SCRIPTS.source(sent_again), lodge_and_process_it)
    monkeypatch.setattr(lean_client, "script_load", window)

    await booking_notifier.custody.process(batch)

    assert lodge_missed_it == [True]  # the lodge ran in the window, and found no booking (or no state) to match
    assert await outcome.alert_kinds("LOS") == ["in_custody"]
    assert len(await outcome.alerts_raised()) == 1
    assert (await outcome.booking()).in_custody


async def test_a_schedule_created_closed_in_one_batch_with_its_release_costs_no_close(
    lean_client: Redis, names: RedisNames, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    notifier = await notifier_on(lean_client, names)
    await ingest_api.lodge(samples.detainer())
    await notifier.lodges.process(await streams.new_detainer_changes())
    for name in SCRIPTS.names():  # loaded, as they stay once a notifier has run a while
        await lean_client.script_load(SCRIPTS.source(name))
    for event in (samples.booking(), samples.release_scheduled(), samples.release()):
        await ingest_api.submit(event)
    batch = await streams.new_custody_events()
    writes = await Writes.connected(lean_client)

    await notifier.custody.process(batch)

    # The three of a booking, then the releases' holds looked up (the schedule no longer stands: it is created
    # closed), the alerts created, and their entries in the audit trail (a round trip of their own here, where no
    # reminders are planned; beside the planning where they are). The schedule as just written is closed already:
    # nothing read back, no hold looked up again, nothing closed.
    assert writes.count == 6
    closed = [alert for alert in await outcome.alerts("LOS") if alert.kind.value == "release_scheduled"]
    assert [(alert.status.value, alert.release_status and alert.release_status.value) for alert in closed] == [
        ("resolved", "released")
    ]
    assert await outcome.alerts_updated() == []
    assert sorted(raised.alert.kind.value for raised in await outcome.alerts_raised()) == ["in_custody", "released"]
