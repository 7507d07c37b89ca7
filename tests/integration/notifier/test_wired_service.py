"""The notifier as ``app.build_notifier`` wires it: FastStream subscribers on the real streams.

Effects are asynchronous here, so these tests poll Redis for a bounded time
and assert on what they find, never on how long it took.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from contracts import AlertKind, Person, RedisNames
from contracts.envelope import StreamEntry
from notifier.bootstrap import build_notifier
from notifier.domain.custody import BookingState
from notifier.handlers.booking_index import BookingIndex
from notifier.handlers.raising import BatchReport
from notifier.matching import blocking_keys, booking_scheme_change
from store import booking_index
from tests import samples
from tests.integration.notifier.support import (
    IngestApi,
    Outcome,
    Streams,
    WiredNotifier,
    eventually,
    pending_on,
    settings_for,
)


async def test_events_published_before_the_notifier_first_started_are_not_skipped(
    wired: WiredNotifier, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking())

    await wired.start()

    alerts = await eventually(lambda: outcome.alerts("LOS"), bool, what="the in_custody alert")
    # Raised by whichever subscriber got there first (the booking, or the lodge finding the booked person):
    # either way one alert, for this booking and this detainer.
    assert [(alert.kind, alert.booking_number, alert.detainer_id) for alert in alerts] == [
        (AlertKind.IN_CUSTODY, "2026-004512", "LOS-2026-000871")
    ]


async def test_a_foreign_entry_is_dead_lettered_and_the_next_event_still_raises_its_alert(
    wired: WiredNotifier,
    ingest_api: IngestApi,
    streams: Streams,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking())
    await wired.start()
    await eventually(lambda: outcome.alerts("LOS"), bool, what="the in_custody alert")

    foreign_id = await streams.append_raw_custody_entry({"foo": "bar"})
    await ingest_api.submit(samples.release_scheduled())

    kinds = await eventually(
        lambda: outcome.alert_kinds("LOS"), lambda kinds: len(kinds) >= 2, what="the release_scheduled alert"
    )
    assert kinds == ["in_custody", "release_scheduled"]
    letters = await eventually(outcome.dead_letters, bool, what="the dead letter")
    assert [(letter.stream, letter.message_id, letter.fields) for _, letter in letters] == [
        (names.custody_events, foreign_id, {"foo": "bar"})
    ]
    assert letters[0][1].reason
    for stream in (names.custody_events, names.detainer_changes):
        assert (
            await eventually(pending_on(redis_client, stream), lambda count: count == 0, what=f"acks on {stream}") == 0
        )


async def test_a_detainer_lodged_while_the_notifier_runs_alerts_on_someone_already_in_custody(
    wired: WiredNotifier, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.submit(samples.booking(), samples.release_scheduled())
    await wired.start()
    await eventually(
        outcome.booking_if_stored,
        lambda state: state is not None and state.in_custody,
        what="the booking to be processed",
    )

    await ingest_api.lodge(samples.detainer(field_office="NYC", detainer_id="NYC-2026-000001"))

    kinds = await eventually(
        lambda: outcome.alert_kinds("NYC"), lambda kinds: len(kinds) >= 2, what="the alerts of the lodge"
    )
    assert kinds == ["in_custody", "release_scheduled"]
    assert await outcome.alerts("LOS") == []


async def test_a_batch_whose_processing_failed_once_is_processed_after_the_notifier_restarts(
    wired: WiredNotifier,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    processor = wired.notifier.custody
    really_process = processor.process
    failures: list[int] = []

    async def fails_the_first_time(entries: Sequence[StreamEntry]) -> BatchReport:
        if not failures:
            failures.append(len(entries))
            raise RedisConnectionError("connection lost mid-batch")
        return await really_process(entries)

    monkeypatch.setattr(processor, "process", fails_the_first_time)
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking())
    await wired.start()

    async def failed_batches() -> list[int]:
        return failures

    await eventually(failed_batches, bool, what="the batch to fail")
    await wired.stop()

    restarted = WiredNotifier(build_notifier(settings_for(redis_url)))
    try:
        await restarted.start()
        alerts = await eventually(
            lambda: outcome.alerts("LOS"), bool, what="the alert of the failed batch", patience=5.0
        )
    finally:
        await restarted.stop()

    assert [alert.kind for alert in alerts] == [AlertKind.IN_CUSTODY]
    assert await pending_on(redis_client, names.custody_events)() == 0


async def test_batches_reach_the_processors_without_a_hop_to_a_worker_thread(
    wired: WiredNotifier, ingest_api: IngestApi, outcome: Outcome, monkeypatch: pytest.MonkeyPatch
) -> None:
    # FastStream's dependency injection ran a step of every batch in anyio's worker threads: a thread hop per
    # batch, most of what a lone event cost. The subscribers take their entries without it.
    import anyio.to_thread

    hops: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: object, *args: object, **kwargs: object) -> object:
        hops.append(func)
        return await run_sync(func, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking())
    await wired.start()

    await eventually(lambda: outcome.alerts("LOS"), bool, what="the in_custody alert")
    await ingest_api.submit(samples.release_scheduled())
    await eventually(lambda: outcome.alert_kinds("LOS"), lambda kinds: len(kinds) >= 2, what="the second alert")

    assert hops == []


async def test_a_running_notifier_moves_the_bookings_filed_under_the_former_keys_to_the_current_ones(
    wired: WiredNotifier, ingest_api: IngestApi, redis_client: Redis, names: RedisNames, redis_url: str
) -> None:
    await ingest_api.submit(samples.booking())
    await wired.start()  # reads, without the chores a run starts
    booking = names.booking("CA0194200", "2026-004512")
    await eventually(lambda: redis_client.exists(booking), bool, what="the booking's state")
    assert wired.notifier.bookings is not None
    states = [state async for chunk in wired.notifier.bookings.every_state() for state, _ in chunk]
    await wired.stop()
    # As the index filed it before it had keys of its own: under the matcher's (a year error four keys, not one).
    await redis_client.delete(*[key async for key in redis_client.scan_iter(match=f"{names.prefix}:booking-index:*")])
    former = booking_index.BookingIndex[BookingState](
        redis_client,
        names,
        keys_of=lambda state: blocking_keys(state.person) if state.person is not None else frozenset(),
        retention_seconds=3600,
    )
    await former.record([(BookingState.empty(*state.key), state) for state in states])
    gone, added = booking_scheme_change(Person.model_validate(samples.person(), strict=False))
    index = BookingIndex(redis_client, names, retention_seconds=3600)
    assert await index.bookings_filed_under(added) == []

    notifier = build_notifier(settings_for(redis_url))
    await notifier.run()
    try:
        moved = await eventually(lambda: index.bookings_filed_under(added), bool, what="the move to the current keys")
    finally:
        await notifier.stop()

    assert moved == [booking]
    assert await index.bookings_filed_under(gone) == []
