"""Entries nobody can read go to the dead letters, with where they came from and why; the rest is processed."""

from __future__ import annotations

import json

from redis.asyncio import Redis

from contracts import NOTIFIER_GROUP, FieldAgreement, RedisNames
from tests import samples
from tests.integration.notifier.support import (
    FIXED_NOW,
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    custody_runner,
)

NOT_UTF8 = b"\xff\xfe{"


async def test_unreadable_entries_are_dead_lettered_while_the_valid_ones_in_the_batch_raise_their_alerts(
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    names: RedisNames,
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking())
    foreign = {
        await streams.append_raw_custody_entry({"foo": "bar"}): ("no __data__", {"foo": "bar"}),
        await streams.append_raw_custody_entry({"__data__": NOT_UTF8, "type": "booking"}): (
            "not utf-8",
            {"__data__": "\\xff\\xfe{", "type": "booking"},
        ),
        await streams.append_raw_custody_entry({"__data__": '{"hello": "world"}', "type": "hello"}): (
            "not a custody event",
            {"__data__": '{"hello": "world"}', "type": "hello"},
        ),
    }
    await ingest_api.submit(samples.release_scheduled())
    entries = await streams.new_custody_events()
    assert len(entries) == 5

    report = await notifier.custody.process(entries)

    assert (report.processed, report.dead_lettered) == (2, 3)
    assert await outcome.alert_kinds("LOS") == ["in_custody", "release_scheduled"]
    letters = await outcome.dead_letters()
    assert sorted(letter.message_id for _, letter in letters) == sorted(foreign)
    for fields, letter in letters:
        what, original_fields = foreign[letter.message_id]
        assert letter.stream == names.custody_events, what
        assert letter.group == NOTIFIER_GROUP, what
        assert letter.fields == original_fields, what
        assert letter.reason, what
        assert letter.attempts == 1, what
        assert letter.dead_lettered_at == FIXED_NOW, what
        assert fields[b"stream"] == names.custody_events.encode(), what
        assert fields[b"message_id"] == letter.message_id.encode(), what
        assert fields[b"reason"] == letter.reason.encode(), what
    reasons = {foreign[letter.message_id][0]: letter.reason for _, letter in letters}
    assert "__data__" in reasons["no __data__"]
    assert "not a valid custody event" in reasons["not utf-8"]
    assert "not a valid custody event" in reasons["not a custody event"]


async def test_a_dead_letter_reason_names_the_offending_fields_without_personal_data(
    notifier: NotifierInstance, streams: Streams, outcome: Outcome
) -> None:
    invalid_booking = samples.booking(
        facility_ori="nowhere",
        person=samples.person(last_name="QUINTERO BELTRAN", first_name="ARACELI", a_number="A087654321"),
    )
    await streams.append_raw_custody_entry({"__data__": json.dumps(invalid_booking), "type": "booking"})

    await notifier.custody.process(await streams.new_custody_events())

    ((_, letter),) = await outcome.dead_letters()
    assert "facility_ori" in letter.reason
    for personal in ("QUINTERO", "ARACELI", "87654321", "nowhere"):
        assert personal not in letter.reason
    assert json.loads(letter.fields["__data__"]) == invalid_booking  # kept whole for a replay


async def test_a_batch_of_only_unreadable_entries_raises_nothing_and_dead_letters_them_all(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(samples.detainer())
    for _ in range(3):
        await streams.append_raw_custody_entry({"foo": "bar"})

    report = await notifier.custody.process(await streams.new_custody_events())

    assert (report.processed, report.dead_lettered) == (0, 3)
    assert await outcome.alerts() == []
    assert len(await outcome.dead_letters()) == 3


async def test_an_unreadable_detainer_change_is_dead_lettered_while_a_lodge_in_the_batch_still_alerts(
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    names: RedisNames,
) -> None:
    await ingest_api.submit(samples.booking())
    await notifier.custody.process(await streams.new_custody_events())
    foreign_id = await streams.append_raw_entry(names.detainer_changes, {"foo": "bar"})
    await ingest_api.lodge(samples.detainer(person=samples.person(fbi_number=None, state_id=None)))

    report = await notifier.lodges.process(await streams.new_detainer_changes())

    assert (report.processed, report.dead_lettered) == (1, 1)
    (alert,) = await outcome.alerts("LOS")
    assert alert.match.fields[0] == FieldAgreement(field="a_number", level="exact")
    ((_, letter),) = await outcome.dead_letters()
    assert (letter.stream, letter.message_id) == (names.detainer_changes, foreign_id)
    assert letter.fields == {"foo": "bar"}
    assert letter.reason.startswith("not a valid detainer change")


async def test_an_event_whose_stored_booking_cannot_be_read_is_dead_lettered_with_a_reason_quoting_none_of_it(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, redis_client: Redis, names: RedisNames
) -> None:
    await ingest_api.lodge(samples.detainer())
    runner = custody_runner(redis_client, names, notifier.custody)
    stored = {"facility_ori": "CA0194200", "person": {"last_name": "ZARAGOZA", "date_of_birth": "1987-06-05"}}
    await redis_client.hset(names.booking("CA0194200", "2026-004512"), mapping={"state": json.dumps(stored)})
    await ingest_api.submit(samples.release())

    await runner.run(await streams.new_custody_events())

    ((_, letter),) = await redis_client.xrange(names.dead_letters)
    reason = letter[b"reason"].decode()
    assert "ValidationError" in reason
    assert "person.first_name" in reason  # where and why ...
    assert "ZARAGOZA" not in reason  # ... never what the record held
    assert "1987-06-05" not in reason
