"""What an operator sees and does: queues, dead letters (replay once, discard with a reason), the audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from contracts import NOTIFIER_GROUP, RedisNames
from contracts.envelope import StreamEntry
from notifier.consuming.dead_letters import DeadLetterWriter
from tests import samples
from tests.integration.ingest.support import OFFICE_KEY, OPERATOR_KEY, assert_problem, operators_api
from tests.integration.notifier.support import (
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    custody_runner,
    fixed_clock,
)

OPERATOR, OFFICE = OPERATOR_KEY, OFFICE_KEY


@pytest.fixture
async def ops(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with operators_api(redis_url) as client:
        yield client


async def a_dead_letter(notifier: NotifierInstance, streams: Streams) -> None:
    """A record written to the custody stream by something else, dead-lettered by the notifier."""
    await streams.append_raw_custody_entry({"written-by": "a test harness"})
    await notifier.custody.process(await streams.new_custody_events())


async def dead_letter_ids(ops: httpx.AsyncClient, **params: object) -> list[str]:
    page = (await ops.get("/v1/ops/dead-letters", params=params)).json()
    return [view["id"] for view in page["dead_letters"]]


async def test_an_operator_lists_and_inspects_a_dead_letter_with_its_reason_and_fields(
    ops: httpx.AsyncClient, notifier: NotifierInstance, streams: Streams
) -> None:
    await a_dead_letter(notifier, streams)

    (entry_id,) = await dead_letter_ids(ops, open="true")
    view = (await ops.get(f"/v1/ops/dead-letters/{entry_id}")).json()

    assert view["dead_letter"]["reason"].startswith("no __data__ field")
    assert view["dead_letter"]["fields"] == {"written-by": "a test harness"}
    assert view["dead_letter"]["stream"] == RedisNames().custody_events
    assert view["disposition"] is None


async def test_a_replay_puts_the_message_back_once_and_is_recorded(
    ops: httpx.AsyncClient, notifier: NotifierInstance, streams: Streams, redis_client: Redis, names: RedisNames
) -> None:
    await a_dead_letter(notifier, streams)
    (entry_id,) = await dead_letter_ids(ops)
    length_before = await redis_client.xlen(names.custody_events)

    first = await ops.post(f"/v1/ops/dead-letters/{entry_id}/replay")
    again = await ops.post(f"/v1/ops/dead-letters/{entry_id}/replay")

    assert first.status_code == 200
    disposition = first.json()["disposition"]
    assert (disposition["state"], disposition["by"]) == ("replayed", "night operator")
    assert await redis_client.xlen(names.custody_events) == length_before + 1
    (_, fields), *_ = await redis_client.xrange(names.custody_events, min=disposition["replayed_as"])
    assert fields == {b"written-by": b"a test harness"}
    assert assert_problem(again, 409, "dead-letter-handled")["disposition"]["state"] == "replayed"
    assert await dead_letter_ids(ops, open="true") == []
    audit = (await ops.get("/v1/ops/audit")).json()["entries"]
    assert [(e["action"], e["target"], e["actor"]) for e in audit] == [  # newest first
        ("dead_letter.replayed", entry_id, "night operator"),
        ("dead_letter.added", entry_id, "notifier"),
    ]


async def test_a_discard_needs_a_reason_and_then_the_dead_letter_cannot_be_replayed(
    ops: httpx.AsyncClient, notifier: NotifierInstance, streams: Streams
) -> None:
    await a_dead_letter(notifier, streams)
    (entry_id,) = await dead_letter_ids(ops)

    no_reason = await ops.post(f"/v1/ops/dead-letters/{entry_id}/discard", json={})
    discarded = await ops.post(f"/v1/ops/dead-letters/{entry_id}/discard", json={"reason": "test noise"})
    replay = await ops.post(f"/v1/ops/dead-letters/{entry_id}/replay")

    assert_problem(no_reason, 422, "validation-error")
    assert discarded.json()["disposition"]["reason"] == "test noise"
    assert assert_problem(replay, 409, "dead-letter-handled")["disposition"]["state"] == "discarded"


async def test_a_dead_letter_from_a_stream_we_do_not_consume_is_not_replayed(
    ops: httpx.AsyncClient, redis_client: Redis, names: RedisNames, streams: Streams
) -> None:
    writer = DeadLetterWriter(redis_client, names, clock=fixed_clock)
    entry_id = await streams.append_raw_entry("someone:else", {"x": "1"})
    entry = StreamEntry("someone:else", entry_id, {b"x": b"1"})

    await writer.send(NOTIFIER_GROUP, [(entry, "test")], attempts={entry_id: 1})
    (dead_id,) = await dead_letter_ids(ops)

    assert_problem(await ops.post(f"/v1/ops/dead-letters/{dead_id}/replay"), 422, "validation-error")


async def test_unknown_dead_letters_and_field_office_keys_are_refused(ops: httpx.AsyncClient) -> None:
    assert_problem(await ops.get("/v1/ops/dead-letters/1-1"), 404, "not-found")
    office = {"Authorization": f"Bearer {OFFICE}"}
    for path in ("/v1/ops/queues", "/v1/ops/dead-letters", "/v1/ops/audit"):
        assert_problem(await ops.get(path, headers=office), 403, "forbidden")


async def test_a_poison_message_fixed_at_its_cause_and_replayed_raises_its_alert(
    ops: httpx.AsyncClient,
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await ingest_api.lodge(samples.detainer())
    booking_key = names.booking("CA0194200", "2026-004512")
    await redis_client.hset(booking_key, mapping={"version": "1", "state": "{corrupt"})  # a broken stored state
    await ingest_api.submit(samples.booking())
    runner = custody_runner(redis_client, names, notifier.custody)
    await runner.run(await streams.new_custody_events())
    (entry_id,) = await dead_letter_ids(ops)
    assert await outcome.alerts() == []

    await redis_client.delete(booking_key)  # the operator repairs the cause
    await ops.post(f"/v1/ops/dead-letters/{entry_id}/replay")
    await runner.run(await streams.new_custody_events())

    assert await outcome.alert_kinds("LOS") == ["in_custody"]


async def test_queues_show_each_streams_length_lag_pending_and_consumers(
    ops: httpx.AsyncClient, ingest_api: IngestApi, redis_client: Redis, names: RedisNames, streams: Streams
) -> None:
    await ingest_api.submit(samples.booking(), samples.release_scheduled(), samples.release())
    await redis_client.xgroup_create(names.custody_events, NOTIFIER_GROUP, id="0")
    await redis_client.xreadgroup(NOTIFIER_GROUP, "notifier-1", {names.custody_events: ">"}, count=2)

    report = (await ops.get("/v1/ops/queues")).json()

    custody = next(stream for stream in report["streams"] if stream["role"] == "custody_events")
    (group,) = custody["groups"]
    assert custody["length"] == 3
    assert (group["name"], group["pending"]) == (NOTIFIER_GROUP, 2)
    assert group["lag"] == 1
    assert group["oldest_pending_age_seconds"] is not None
    assert [(c["name"], c["pending"]) for c in group["consumers"]] == [("notifier-1", 2)]
    assert report["dead_letters_open"] == 0


@pytest.mark.parametrize(("path", "listed"), [("/v1/ops/dead-letters", "dead_letters"), ("/v1/ops/audit", "entries")])
async def test_a_page_before_the_first_possible_entry_is_empty(
    ops: httpx.AsyncClient, notifier: NotifierInstance, streams: Streams, path: str, listed: str
) -> None:
    await a_dead_letter(notifier, streams)
    (entry_id,) = await dead_letter_ids(ops)
    await ops.post(f"/v1/ops/dead-letters/{entry_id}/discard", json={"reason": "test noise"})  # audited

    response = await ops.get(path, params={"before": "0-0"})

    assert response.status_code == 200
    assert response.json()[listed] == []
    assert (await ops.get(path)).json()[listed] != []


@pytest.mark.parametrize("path", ["/v1/ops/dead-letters", "/v1/ops/audit"])
@pytest.mark.parametrize(
    "before", ["99999999999999999999-0", "1-99999999999999999999", "1-", "-1", "1.5-0", "now"], ids=str
)
async def test_a_malformed_cursor_is_the_callers_422_never_a_retry_later(
    ops: httpx.AsyncClient, path: str, before: str
) -> None:
    response = await ops.get(path, params={"before": before})

    problem = assert_problem(response, 422, "validation-error")
    assert [error["pointer"] for error in problem["errors"]] == ["#/query/before"]
    assert "retry-after" not in response.headers


async def test_a_dead_letter_id_out_of_range_is_a_422_not_an_outage(ops: httpx.AsyncClient) -> None:
    response = await ops.get("/v1/ops/dead-letters/18446744073709551616-0")

    assert_problem(response, 422, "validation-error")


async def test_a_dead_lettered_lodge_of_a_detainer_lifted_since_is_not_replayed_to_make_it_active_again(
    ops: httpx.AsyncClient,
    notifier: NotifierInstance,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await ingest_api.lodge(samples.detainer())
    (lodge,) = await streams.new_detainer_changes()  # the lodge processor kept failing on it
    await DeadLetterWriter(redis_client, names, clock=fixed_clock).send(
        NOTIFIER_GROUP, [(lodge, "test: kept failing")], attempts={lodge.message_id: 5}
    )
    await redis_client.xack(names.detainer_changes, NOTIFIER_GROUP, lodge.message_id)
    (entry_id,) = await dead_letter_ids(ops)
    await ingest_api.lift(samples.detainer()["detainer_id"])  # the office lifts it
    await notifier.catch_up(streams)

    replay = await ops.post(f"/v1/ops/dead-letters/{entry_id}/replay")
    await notifier.catch_up(streams)
    await ingest_api.submit(samples.booking())  # the subject is booked
    await notifier.catch_up(streams)

    assert_problem(replay, 409, "dead-letter-superseded")
    assert await outcome.alerts("LOS") == []  # no alert for a detainer the office lifted
    assert (await ops.get(f"/v1/ops/dead-letters/{entry_id}")).json()["disposition"] is None
