"""Paging a listing while records arrive: each record is served once, none is skipped."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from store.listings import newest_first


class _WriterBetweenReads:
    """The real client, with another writer adding a newer record after each read of the listing."""

    def __init__(self, client: Redis, key: str) -> None:
        self._client = client
        self._key = key
        self.added = 0

    async def zrevrangebyscore(self, *args: Any, **kwargs: Any) -> Any:
        chunk = await self._client.zrevrangebyscore(*args, **kwargs)
        self.added += 1
        await self._client.zadd(self._key, {f"new-{self.added}": 10_000 + self.added})
        return chunk


async def test_records_added_while_a_page_is_read_do_not_repeat_older_ones(redis_client: Redis) -> None:
    key = "test:listing"
    await redis_client.zadd(key, {f"old-{n}": n for n in range(3)})
    reader = _WriterBetweenReads(redis_client, key)

    page = await newest_first(reader, key, limit=100, after=None)  # type: ignore[arg-type]

    assert page.ids == ["old-2", "old-1", "old-0"]


async def test_many_records_with_one_timestamp_are_all_served_once(redis_client: Redis) -> None:
    key = "test:listing"
    await redis_client.zadd(key, {f"same-{n:03d}": 5 for n in range(40)} | {f"older-{n}": 1 for n in range(5)})

    served: list[str] = []
    after = None
    while True:
        page = await newest_first(redis_client, key, limit=7, after=after)
        served += page.ids
        if page.last is None:
            break
        after = page.last

    assert sorted(served) == sorted([f"same-{n:03d}" for n in range(40)] + [f"older-{n}" for n in range(5)])
    assert len(served) == 45
