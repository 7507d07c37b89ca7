"""Per facility and per day (UTC), the events intake refused and those it accepted long after they happened:
counted at intake, read by the outcome report.

One hash per facility (its own slot), a counter per day and figure (``<YYYY-MM-DD>:rejected``,
``<YYYY-MM-DD>:late``); the facilities counted are one set (``{feeds}``). A figure written for every day of a
year is 730 fields: nothing is trimmed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from contracts import RedisNames
from contracts.stored_fields import FeedDayField
from runtime import RedisClient, as_text

__all__ = ["FeedDayCounts", "FeedDays"]


@dataclass(frozen=True, slots=True)
class FeedDayCounts:
    facility_ori: str
    day: date
    rejected: int
    late: int


def _field(day: date, figure: FeedDayField) -> str:
    return f"{day.isoformat()}:{figure.value}"


class FeedDays:
    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names

    async def count(self, day: date, *, rejected: Mapping[str, int], late: Mapping[str, int]) -> None:
        """Add the day's refused and late events, by facility (one round trip, a command per key)."""
        wanted = [(ori, FeedDayField.REJECTED, n) for ori, n in rejected.items() if n] + [
            (ori, FeedDayField.LATE, n) for ori, n in late.items() if n
        ]
        if not wanted:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for ori, figure, amount in wanted:
                pipe.hincrby(self._names.facility_feed_days(ori), _field(day, figure), amount)
            pipe.sadd(self._names.feeds_counted, *sorted({ori for ori, _, _ in wanted}))
            await pipe.execute()

    async def facilities(self) -> set[str]:
        """Every facility a refused or late event was counted of."""
        members = cast(set[bytes], await self._client.smembers(self._names.feeds_counted))
        return {as_text(member) for member in members}

    async def read(self, facilities: Collection[str], first: date, last: date) -> list[FeedDayCounts]:
        """The counts of each facility for each day from ``first`` to ``last`` (both included) that has any."""
        wanted = sorted(facilities)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        if not wanted or not days:
            return []
        fields = [_field(day, figure) for day in days for figure in (FeedDayField.REJECTED, FeedDayField.LATE)]
        async with self._client.pipeline(transaction=False) as pipe:
            for ori in wanted:
                pipe.hmget(self._names.facility_feed_days(ori), fields)
            replies: list[list[bytes | None]] = await pipe.execute()
        found = []
        for ori, values in zip(wanted, replies, strict=True):
            for index, day in enumerate(days):
                rejected, late = values[2 * index], values[2 * index + 1]
                if rejected is not None or late is not None:
                    found.append(FeedDayCounts(ori, day, int(rejected or 0), int(late or 0)))
        return found
