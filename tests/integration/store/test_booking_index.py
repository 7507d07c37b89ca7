"""The index of bookings by blocking key (``store.booking_index``): where a batch's filings go and are found."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from redis.asyncio import Redis

from contracts import RedisNames
from notifier.domain.custody import BookingState
from store.booking_index import BookingIndex

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
# Two blocking keys whose digests share their first four hex digits (the tag, and so their buckets at levels 1 and
# 2) and not the fifth (their level-3 buckets differ).
FIRST, SECOND = "p:JOHN:SMITH:1980:209", "p:JOHN:SMITH:1980:328"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def test_a_key_is_unfiled_from_its_own_deepest_bucket_beside_a_key_sharing_the_shallower_ones(
    redis_client: Redis, names: RedisNames
) -> None:
    assert digest(FIRST)[:4] == digest(SECOND)[:4] != digest(SECOND)[:5] != digest(FIRST)[:5]
    before = BookingState(facility_ori="CA0194200", booking_number="2026-004512", booked_at=NOW)
    after = before.model_copy(update={"release_withheld_by": "rule"})  # still held, no longer under SECOND
    booking = names.booking(*before.key)
    member = digest(SECOND)[2:8] + names.booking_reference(booking)
    # Filed under SECOND when its shallower buckets were full: in its level-3 bucket.
    await redis_client.zadd(names.booking_index_bucket(digest(SECOND)[:5]), {member: float("inf")})
    index = BookingIndex[BookingState](
        redis_client,
        names,
        keys_of=lambda state: {FIRST, SECOND} if state is before else {FIRST},
        retention_seconds=3600,
        clock=lambda: NOW,
    )

    await index.record([(before, after)])

    assert await index.bookings_filed_under([SECOND]) == []
    assert await index.bookings_filed_under([FIRST]) == [booking]
