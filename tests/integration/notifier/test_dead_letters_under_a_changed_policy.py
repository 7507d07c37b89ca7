"""A dead-lettered custody event replayed after the facility's sharing policy changed: intake judged it under the
terms of its day, and a replay would take it to the notifier unjudged by the policy in force. It is refused, kept
open (nothing lost), and says why; where the policy is the one it was judged under, or none covers it, it replays."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from contracts import NOTIFIER_GROUP, RedisNames
from notifier.consuming.dead_letters import DeadLetterWriter
from policies.enforcement import PolicyEnforcement
from tests import samples
from tests.integration.ingest.support import assert_problem
from tests.integration.notifier.support import IngestApi, NotifierInstance, Outcome, Streams, build_ports, fixed_clock
from tests.policy_samples import ONE_POLICY, POLICIES, STRICT_FACILITY, write_policies
from tests.support.intake_under_policies import IntakeUnderPolicies, intake_under_policies


@pytest.fixture
async def intake(
    redis_url: str, redis_client: Redis, names: RedisNames, tmp_path: Path
) -> AsyncIterator[IntakeUnderPolicies]:
    path = write_policies(tmp_path, ONE_POLICY)  # Texas only: the facility shares everything
    async with intake_under_policies(redis_url, redis_client, names, path) as intake:
        yield intake


async def dead_letter_of_every_new_custody_event(redis_client: Redis, names: RedisNames, streams: Streams) -> str:
    """What a notifier that keeps failing on the facility's booking does with it: the dead letter's id."""
    (entry,) = await streams.new_custody_events()
    await DeadLetterWriter(redis_client, names, clock=fixed_clock).send(
        NOTIFIER_GROUP, [(entry, "test: kept failing")], attempts={entry.message_id: 5}
    )
    await redis_client.xack(names.custody_events, NOTIFIER_GROUP, entry.message_id)
    (newest, *_) = await redis_client.xrevrange(names.dead_letters, count=1)
    return str(newest[0].decode())


async def test_a_booking_dead_lettered_before_a_policy_withholding_bookings_is_not_replayed_past_it(
    intake: IntakeUnderPolicies,
    redis_client: Redis,
    names: RedisNames,
    streams: Streams,
    outcome: Outcome,
    tmp_path: Path,
) -> None:
    ingest_api = IngestApi(intake.api)
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking(facility_ori=STRICT_FACILITY))
    await streams.new_detainer_changes()
    dead_letter = await dead_letter_of_every_new_custody_event(redis_client, names, streams)
    await intake.adopt(POLICIES)  # the county's policy now: no in-custody notice, identity stripped
    enforcement = PolicyEnforcement(write_policies(tmp_path, POLICIES, "notifiers.yaml"), actor="notifier")
    enforcement.load()
    notifier = await NotifierInstance.start(build_ports(redis_client, names, policies=enforcement))
    length = await redis_client.xlen(names.custody_events)

    replay = await intake.api.post(f"/v1/ops/dead-letters/{dead_letter}/replay")
    await notifier.catch_up(streams)

    problem = assert_problem(replay, 409, "dead-letter-policy-changed")
    assert "County policy 2026-14 (release notice for serious felonies)" in problem["detail"]
    assert await redis_client.xlen(names.custody_events) == length  # nothing published past the policy
    assert await outcome.alert_kinds("LOS") == []  # no in-custody notice the policy withholds
    still = (await intake.api.get(f"/v1/ops/dead-letters/{dead_letter}")).json()
    assert still["disposition"] is None  # kept, open: an operator may discard it with a reason


async def test_a_dead_letter_judged_under_the_policy_in_force_is_replayed(
    intake: IntakeUnderPolicies, redis_client: Redis, names: RedisNames, streams: Streams
) -> None:
    await intake.adopt(POLICIES)
    release = samples.release(facility_ori=STRICT_FACILITY, event_id="evt-felony-release")
    booking = samples.booking(facility_ori=STRICT_FACILITY)  # a felony: its release is shared, the booking held
    for event in (booking, release):
        answer = await intake.api.post("/v1/custody-events", json=event)
        assert answer.status_code == 202, answer.text
    entries = await streams.new_custody_events()
    assert [json.loads(entry.fields[b"__data__"])["type"] for entry in entries] == ["booking", "release"]
    await DeadLetterWriter(redis_client, names, clock=fixed_clock).send(
        NOTIFIER_GROUP, [(entries[1], "test: kept failing")], attempts={entries[1].message_id: 5}
    )
    (newest, *_) = await redis_client.xrevrange(names.dead_letters, count=1)

    replay = await intake.api.post(f"/v1/ops/dead-letters/{newest[0].decode()}/replay")

    assert replay.status_code == 200, replay.text
    assert replay.json()["disposition"]["state"] == "replayed"
