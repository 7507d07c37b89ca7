"""What sharing policies withheld at intake: events per facility, per day (UTC) and per rule.

Written by intake (``store.policy_holds``, in the same script that keeps the withheld event's receipt, so a
retried event is counted once); read by the outcome report. One hash per facility (under its hash tag), a field
per day and rule; the set of facilities any policy withheld an event of lets the report read them all.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import cast

from contracts import RedisNames
from runtime import RedisClient

__all__ = ["PolicyCounts", "count_field"]


def count_field(day: date, rule: str) -> str:
    """The field counting ``rule``'s withheld events on ``day``: ``<YYYY-MM-DD> <rule>``."""
    return f"{day.isoformat()} {rule}"


def _read_field(field: bytes) -> tuple[date, str] | None:
    text = field.decode("utf-8", "replace")
    day, _, rule = text.partition(" ")
    try:
        return date.fromisoformat(day), rule
    except ValueError:
        return None


class PolicyCounts:
    """Events withheld by sharing policies, counted per facility, day and rule."""

    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names

    async def facilities(self) -> list[str]:
        """Every facility a policy withheld an event of, sorted."""
        members = cast(set[bytes], await self._client.smembers(self._names.policy_withheld_facilities))
        return sorted(member.decode() for member in members)

    async def withheld_days(
        self, first: date, last: date, facility_oris: Collection[str] | None = None
    ) -> list[tuple[str, date, str, int]]:
        """(facility_ori, day, rule, events) for every day from ``first`` to ``last`` (both included) on which a
        policy withheld events of the facilities (None: every facility), sorted."""
        oris = sorted(set(facility_oris)) if facility_oris is not None else await self.facilities()
        rows: list[tuple[str, date, str, int]] = []
        for ori in oris:
            counts = cast(dict[bytes, bytes], await self._client.hgetall(self._names.policy_withheld_days(ori)))
            for field, value in counts.items():
                read = _read_field(field)
                if read is None:
                    continue
                day, rule = read
                if first <= day <= last:
                    rows.append((ori, day, rule, int(value)))
        return sorted(rows)
