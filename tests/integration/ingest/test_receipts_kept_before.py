"""Receipts are one string each; receipts kept as hashes before still answer retries and refuse another body under
their id, until they expire."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from redis.asyncio import Redis

from contracts import RedisNames
from store.custody_stream import CustodyEventPublisher, PublishOutcome, PublishStatus
from tests import samples
from tests.integration.ingest.support import assert_problem, stream_entries

URL = "/v1/custody-events"
ROSTER_URL = "/v1/facilities/CA0194200/roster"
FORMER_ACCEPTED_AT = "2026-11-20T16:16:00.250000+00:00"


def roster(**overrides: Any) -> dict[str, Any]:
    return {
        "roster_id": "roster-2026-11-25-0600",
        "as_of": "2026-11-25T06:00:00-08:00",
        "booking_numbers": ["2026-004513", "2026-004514"],
        **overrides,
    }


async def keep_as_before(redis_client: Redis, receipt: str, former: str) -> None:
    """Rewrites the one receipt there is as the former layout kept it: a hash with the body's whole digest and
    accepted_at in RFC 3339."""
    ((stream_id, fields),) = await stream_entries(redis_client, RedisNames().custody_events)
    await redis_client.delete(receipt)
    digest = hashlib.sha256(fields["__data__"].encode()).hexdigest()
    await redis_client.hset(
        former, mapping={"digest": digest, "stream_id": stream_id, "accepted_at": FORMER_ACCEPTED_AT}
    )
    await redis_client.expire(former, 3600)


async def test_a_receipt_is_one_string_of_digest_stream_id_and_when_accepted(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    answer = (await api.post(URL, json=samples.booking())).json()

    kept = await redis_client.get(names.custody_receipt("CA0194200", "evt-0001"))

    assert kept is not None
    digest, stream_id, accepted_us = kept.decode().split(" ")
    ((entry_id, fields),) = await stream_entries(redis_client, names.custody_events)
    assert digest == hashlib.sha256(fields["__data__"].encode()).hexdigest()[:32]
    assert stream_id == entry_id == answer["stream_id"]
    assert datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(accepted_us)) == datetime.fromisoformat(
        answer["accepted_at"]
    )


async def test_a_receipt_kept_as_a_hash_before_answers_a_retry_and_refuses_another_body(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    first = (await api.post(URL, json=samples.booking())).json()
    former = names.former_custody_receipt("CA0194200", "evt-0001")
    await keep_as_before(redis_client, names.custody_receipt("CA0194200", "evt-0001"), former)

    again = await api.post(URL, json=samples.booking())
    other = await api.post(URL, json=samples.booking(booking_number="2026-999999"))

    assert again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == {**first, "accepted_at": FORMER_ACCEPTED_AT}
    assert_problem(other, 409, "event-id-conflict")
    assert await redis_client.xlen(names.custody_events) == 1
    assert 0 < await redis_client.ttl(former) <= 3600  # left to expire as it was


async def test_a_roster_receipt_kept_as_a_hash_before_answers_a_retry_and_refuses_another_roster(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    first = (await api.post(ROSTER_URL, json=roster())).json()
    await keep_as_before(
        redis_client,
        names.roster_receipt("CA0194200", "roster-2026-11-25-0600"),
        names.former_roster_receipt("CA0194200", "roster-2026-11-25-0600"),
    )

    again = await api.post(ROSTER_URL, json=roster())
    other = await api.post(ROSTER_URL, json=roster(booking_numbers=["2026-004513"]))

    assert again.status_code == 202
    assert again.json() == {**first, "accepted_at": FORMER_ACCEPTED_AT}
    assert other.status_code == 409
    assert await redis_client.xlen(names.custody_events) == 1


async def test_the_answer_to_a_digest_is_read_from_a_receipt_of_either_layout(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    publisher = CustodyEventPublisher(redis_client, names, receipt_ttl_seconds=3600)
    await api.post(URL, json=samples.booking())
    ((stream_id, fields),) = await stream_entries(redis_client, names.custody_events)
    digest = hashlib.sha256(fields["__data__"].encode()).hexdigest()

    async def answers() -> tuple[PublishOutcome | None, PublishOutcome | None, PublishOutcome | None]:
        return (
            await publisher.answered_digest("CA0194200", "evt-0001", digest),
            await publisher.answered_digest("CA0194200", "evt-0001", "0" * 64),
            await publisher.answered_digest("CA0194200", "evt-0002", digest),
        )

    same, other, never = await answers()
    assert same is not None
    assert (same.status, same.stream_id) == (PublishStatus.DUPLICATE, stream_id)
    assert other is not None
    assert other.status is PublishStatus.CONFLICT
    assert never is None

    await keep_as_before(
        redis_client,
        names.custody_receipt("CA0194200", "evt-0001"),
        names.former_custody_receipt("CA0194200", "evt-0001"),
    )
    same, other, never = await answers()
    assert same == PublishOutcome("evt-0001", PublishStatus.DUPLICATE, stream_id, FORMER_ACCEPTED_AT)
    assert other is not None
    assert other.status is PublishStatus.CONFLICT
    assert never is None
