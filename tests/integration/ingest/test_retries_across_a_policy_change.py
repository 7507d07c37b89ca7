"""A source's retry of an event accepted before its facility came under a sharing policy: the same event again is
answered as the first time (a replay), whatever the policy in force would strip of the person or withhold now."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from tests import samples
from tests.integration.ingest.support import stream_events
from tests.policy_samples import ONE_POLICY, STRICT_FACILITY, write_policies
from tests.support.intake_under_policies import IntakeUnderPolicies, intake_under_policies

URL = "/v1/custody-events"

SHARING_BOOKINGS_WITHOUT_PLACE_OF_BIRTH = f"""\
policies:
  - jurisdiction: {STRICT_FACILITY}
    name: "County policy 2027-01 (bookings, identity restricted)"
    share: {{booking: true, release_scheduled: true, release: true, transfer: true}}
    identity_fields: [last_name, first_name, middle_name, date_of_birth, sex, a_number, fbi_number]
"""
WITHHOLDING_BOOKINGS = f"""\
policies:
  - jurisdiction: {STRICT_FACILITY}
    name: "County policy 2027-02 (no in-custody notice)"
    share: {{booking: false, release_scheduled: true, release: true, transfer: true}}
    identity_fields: [last_name, first_name, middle_name, date_of_birth, sex, a_number, fbi_number]
"""


@pytest.fixture
async def intake(
    redis_url: str, redis_client: Redis, names: RedisNames, tmp_path: Path
) -> AsyncIterator[IntakeUnderPolicies]:
    async with intake_under_policies(redis_url, redis_client, names, write_policies(tmp_path, ONE_POLICY)) as intake:
        yield intake


@pytest.mark.parametrize("adopted", [SHARING_BOOKINGS_WITHOUT_PLACE_OF_BIRTH, WITHHOLDING_BOOKINGS])
async def test_a_booking_accepted_before_a_policy_came_in_force_is_replayed_when_sent_again(
    intake: IntakeUnderPolicies, redis_client: Redis, names: RedisNames, adopted: str
) -> None:
    booking = samples.booking(facility_ori=STRICT_FACILITY)
    first = await intake.api.post(URL, json=booking)
    await intake.adopt(adopted)

    again = await intake.api.post(URL, json=booking)  # the source never heard the first answer

    assert first.status_code == 202, first.text
    assert again.status_code == 202, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert len(await stream_events(redis_client, names.custody_events)) == 1


@pytest.mark.parametrize("adopted", [SHARING_BOOKINGS_WITHOUT_PLACE_OF_BIRTH, WITHHOLDING_BOOKINGS])
async def test_another_booking_under_the_same_event_id_is_still_a_conflict(
    intake: IntakeUnderPolicies, adopted: str
) -> None:
    first = await intake.api.post(URL, json=samples.booking(facility_ori=STRICT_FACILITY))
    await intake.adopt(adopted)
    other = samples.booking(facility_ori=STRICT_FACILITY, person=samples.person(place_of_birth="GT"))

    again = await intake.api.post(URL, json=other)

    assert first.status_code == 202, first.text
    assert again.status_code == 409, again.text
