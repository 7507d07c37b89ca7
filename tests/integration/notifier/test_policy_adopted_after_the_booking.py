"""A booking accepted before its facility came under a sharing policy: intake kept no record of it, but
releasewatch knows it (the notifier's state of the booking). A later event is judged on the booking's facts as
they were sent then, so a release the policy shares for a felony booking is published and alerted; a
misdemeanor booking's release stays withheld; a booking releasewatch never saw is judged as before."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from policies.enforcement import PolicyEnforcement
from tests import samples
from tests.integration.notifier.support import IngestApi, NotifierInstance, Outcome, Streams, build_ports
from tests.policy_samples import ONE_POLICY, POLICIES, STRICT_FACILITY, write_policies
from tests.support.intake_under_policies import IntakeUnderPolicies, intake_under_policies

URL = "/v1/custody-events"
MISDEMEANOR = samples.charge(statute="PC 484", description="Petty theft", severity="misdemeanor", ncic_code="2399")


@pytest.fixture
async def intake(
    redis_url: str, redis_client: Redis, names: RedisNames, tmp_path: Path
) -> AsyncIterator[IntakeUnderPolicies]:
    path = write_policies(tmp_path, ONE_POLICY)  # Texas only: the facility is under no policy yet
    async with intake_under_policies(redis_url, redis_client, names, path) as intake:
        yield intake


@pytest.fixture
def notifier_policies(intake: IntakeUnderPolicies) -> PolicyEnforcement:
    """The same policy file as intake's, as a notifier loads it."""
    policies = PolicyEnforcement(intake.path, actor="notifier")
    policies.load()
    return policies


@pytest.fixture
async def notifier(notifier_policies: PolicyEnforcement, redis_client: Redis, names: RedisNames) -> NotifierInstance:
    return await NotifierInstance.start(build_ports(redis_client, names, policies=notifier_policies))


async def booked_before_the_policy(
    intake: IntakeUnderPolicies,
    notifier: NotifierInstance,
    notifier_policies: PolicyEnforcement,
    streams: Streams,
    **booking: object,
) -> None:
    """The booking accepted and processed (its in-custody alert raised) while no policy covers the facility;
    then the facility's policy (releases for felonies only, no booking notices) comes in force."""
    ingest_api = IngestApi(intake.api)
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking(facility_ori=STRICT_FACILITY, **booking))
    await notifier.catch_up(streams)
    await intake.adopt(POLICIES)
    assert await notifier_policies.reload(intake.audit)


async def test_a_felony_booked_before_the_policy_has_its_release_shared(
    intake: IntakeUnderPolicies,
    notifier: NotifierInstance,
    notifier_policies: PolicyEnforcement,
    streams: Streams,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await booked_before_the_policy(intake, notifier, notifier_policies, streams)  # a felony (PC 459)
    assert await outcome.alert_kinds("LOS") == ["in_custody"]

    answer = await intake.api.post(URL, json=samples.release(facility_ori=STRICT_FACILITY))
    await notifier.catch_up(streams)

    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "accepted", answer.json()
    assert await outcome.alert_kinds("LOS") == ["in_custody", "released"]
    length = await redis_client.xlen(names.custody_events)
    retry = await intake.api.post(URL, json=samples.release(facility_ori=STRICT_FACILITY))
    assert retry.headers["idempotent-replayed"] == "true"  # the same answer, published once
    assert await redis_client.xlen(names.custody_events) == length


async def test_a_misdemeanor_booked_before_the_policy_has_its_release_withheld(
    intake: IntakeUnderPolicies,
    notifier: NotifierInstance,
    notifier_policies: PolicyEnforcement,
    streams: Streams,
    outcome: Outcome,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    await booked_before_the_policy(intake, notifier, notifier_policies, streams, charges=[MISDEMEANOR])
    length = await redis_client.xlen(names.custody_events)

    answer = await intake.api.post(URL, json=samples.release(facility_ori=STRICT_FACILITY))
    await notifier.catch_up(streams)

    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "withheld"
    reason = answer.json()["withheld"]["reason"]
    assert "misdemeanor PC 484" in reason  # judged on the booking's charges, as they were sent
    assert "no charge is known" not in reason
    assert await redis_client.xlen(names.custody_events) == length  # nothing published
    assert await outcome.alert_kinds("LOS") == ["in_custody"]


async def test_a_booking_releasewatch_never_saw_is_judged_as_before(intake: IntakeUnderPolicies) -> None:
    await intake.adopt(POLICIES)

    answer = await intake.api.post(URL, json=samples.release(facility_ori=STRICT_FACILITY))

    assert answer.json()["status"] == "withheld"
    assert "no charge is known for the booking" in answer.json()["withheld"]["reason"]


async def test_a_state_intake_cannot_read_is_passed_over_without_a_word_of_it(
    intake: IntakeUnderPolicies, redis_client: Redis, names: RedisNames, caplog: pytest.LogCaptureFixture
) -> None:
    """The booking is judged as one of which nothing is known, and the log names the event, not the person."""
    key = names.booking(STRICT_FACILITY, samples.booking()["booking_number"])
    await redis_client.hset(key, "state", b'{"person": {"date_of_birth": "GARCIA 1990"}, "charges": 7}')
    await intake.adopt(POLICIES)

    with caplog.at_level(logging.WARNING, logger="ingest"):
        answer = await intake.api.post(URL, json=samples.release(facility_ori=STRICT_FACILITY))

    assert answer.json()["status"] == "withheld"
    assert "no charge is known for the booking" in answer.json()["withheld"]["reason"]
    (warning,) = [record for record in caplog.records if "could not be read" in record.getMessage()]
    assert getattr(warning, "event_id", None) == "evt-0005"
    assert "GARCIA" not in caplog.text
    assert all("GARCIA" not in str(value) for record in caplog.records for value in vars(record).values())
