"""Paging through a listing (a sorted set scored by time in ms), newest first.

The cursor is opaque to clients: it encodes the last (score, id) served, so
pages stay stable while new records arrive at the head.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Query

from ingest.problems import FieldError, Problem
from runtime import RedisClient

__all__ = ["Page", "Paging", "newest_first"]


CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"  # what _encode gives out: URL-safe base64 without padding (empty: the start)


class Paging:
    """`limit` and `cursor` query parameters, shared by every listing."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500, description="At most this many per page.")] = 100,
        cursor: Annotated[
            str | None,
            Query(
                max_length=200,
                json_schema_extra={"pattern": CURSOR_PATTERN},  # checked by _decode, with its own message
                description="`next_cursor` of the page before.",
            ),
        ] = None,
    ) -> None:
        self.limit = limit
        self.cursor = cursor


@dataclass(frozen=True, slots=True)
class Page:
    ids: list[str]
    next_cursor: str | None


def _encode(score: float, member: str) -> str:
    return base64.urlsafe_b64encode(f"{int(score)}:{member}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[float, str]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        score, member = text.split(":", 1)
        return float(int(score)), member
    except (ValueError, UnicodeDecodeError):
        raise Problem(
            "validation-error",
            "The cursor is not one this API gave out.",
            errors=[FieldError("#/cursor", "is not a valid cursor")],
        ) from None


async def newest_first(client: RedisClient, key: str, *, limit: int, cursor: str | None) -> Page:
    """One page, read in chunks that each continue from the last score read (not from an offset
    into the whole set): records added or moved while the page is read shift nothing already
    read, so no record is served twice and none is skipped."""
    after = _decode(cursor) if cursor else None
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
            # Members sharing the cursor's score come in descending order; skip those already served.
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
    next_cursor = _encode(served[-1][1], served[-1][0]) if len(collected) > limit else None
    return Page([member for member, _ in served], next_cursor)
