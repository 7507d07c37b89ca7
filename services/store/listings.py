"""Paging through a listing (a sorted set of ids scored by time in ms), newest first.

A page continues from the last (score, id) served, not from an offset into the whole set: records added or
moved while pages are read shift nothing already read, so no record is served twice and none is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from runtime import RedisClient

__all__ = ["ListingPage", "ListingPosition", "newest_first"]

ListingPosition = tuple[float, str]  # (score, id) of the last record served


@dataclass(frozen=True, slots=True)
class ListingPage:
    ids: list[str]
    last: ListingPosition | None  # where the next page starts; None: this was the last page


async def newest_first(client: RedisClient, key: str, *, limit: int, after: ListingPosition | None) -> ListingPage:
    """One page of ``key``'s ids newest first, after ``after`` (None: from the newest), read in chunks that each
    continue from the last score read."""
    upper: float | str = after[0] if after else "+inf"
    at_upper = 0  # members scored exactly `upper` already read
    seen: set[str] = set()
    collected: list[tuple[str, float]] = []
    while len(collected) <= limit:
        chunk = cast(
            list[tuple[bytes, float]],
            await client.zrevrangebyscore(key, upper, "-inf", start=at_upper, num=limit + 1, withscores=True),
        )
        if not chunk:
            break
        for raw_member, score in chunk:
            member = raw_member.decode()
            if member in seen:
                continue
            seen.add(member)
            # Members sharing the position's score come in descending order; skip those already served.
            if after and score == after[0] and member >= after[1]:
                continue
            collected.append((member, score))
        last_score = chunk[-1][1]
        ending_at_last = sum(1 for _, score in chunk if score == last_score)
        if upper == last_score:
            at_upper += ending_at_last
        else:
            upper, at_upper = last_score, ending_at_last
    served = collected[:limit]
    last = (served[-1][1], served[-1][0]) if len(collected) > limit else None
    return ListingPage([member for member, _ in served], last)
