"""What intake keeps under a sharing policy: saved by compare-and-set, a withheld event's receipt and count
written once, with the booking's record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from redis.asyncio import Redis

from contracts import RedisNames
from store.policy_counts import PolicyCounts
from store.policy_holds import KeptOutcome, PolicyHolds, WithheldReceipt

AT = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
RULE = "CA0194200 share.booking"


async def test_a_record_saved_since_it_was_read_is_refused_and_a_withheld_receipt_counts_once(
    redis_client: Redis, names: RedisNames
) -> None:
    holds = PolicyHolds(redis_client, names, receipt_ttl_seconds=3600)
    forget_at = datetime.now(UTC) + timedelta(days=1)
    read, receipt = await holds.read("CA0194200", "B-1", "evt-1")
    withheld = WithheldReceipt("digest-a", '{"answer": 1}')

    saved = await holds.keep("CA0194200", "B-1", read, '{"s": 1}', forget_at, event_id="evt-1", withheld=withheld,
                             rule=RULE, at=AT)  # fmt: skip
    stale = await holds.keep("CA0194200", "B-1", read, '{"s": 2}', forget_at, event_id="evt-2", at=AT)
    fresh, _ = await holds.read("CA0194200", "B-1", "evt-1")
    again = await holds.keep("CA0194200", "B-1", fresh, '{"s": 3}', forget_at, event_id="evt-1", withheld=withheld,
                             rule=RULE, at=AT)  # fmt: skip
    other = WithheldReceipt("digest-b", '{"answer": 2}')
    conflict = await holds.keep("CA0194200", "B-1", fresh, '{"s": 3}', forget_at, event_id="evt-1", withheld=other,
                                rule=RULE, at=AT)  # fmt: skip

    assert receipt is None
    assert saved == (KeptOutcome.SAVED, None)
    assert stale == (KeptOutcome.STALE, None)
    assert again == (KeptOutcome.DUPLICATE, '{"answer": 1}')
    assert conflict == (KeptOutcome.CONFLICT, '{"answer": 1}')
    assert fresh.state == '{"s": 1}'
    assert await holds.withheld("CA0194200", "evt-1") == withheld
    counts = await PolicyCounts(redis_client, names).withheld_days(date(2026, 11, 1), date(2026, 11, 30))
    assert counts == [("CA0194200", date(2026, 11, 20), RULE, 1)]


async def test_a_record_with_nothing_left_to_keep_is_forgotten(redis_client: Redis, names: RedisNames) -> None:
    holds = PolicyHolds(redis_client, names, receipt_ttl_seconds=3600)
    read, _ = await holds.read("CA0194200", "B-1", "evt-1")
    await holds.keep("CA0194200", "B-1", read, '{"s": 1}', datetime.now(UTC) + timedelta(days=1), event_id="e", at=AT)
    read, _ = await holds.read("CA0194200", "B-1", "evt-1")

    await holds.keep("CA0194200", "B-1", read, None, None, event_id="e", at=AT)

    assert await redis_client.exists(names.policy_booking("CA0194200", "B-1")) == 0
