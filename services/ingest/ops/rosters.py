"""Reading what the notifier concluded from a facility's latest roster."""

from __future__ import annotations

from typing import cast

from contracts import RedisNames, RosterReport
from runtime import RedisClient

__all__ = ["latest_roster_report"]


async def latest_roster_report(redis: RedisClient, names: RedisNames, facility_ori: str) -> RosterReport | None:
    """The report of the facility's latest roster, or None before the notifier processed one."""
    raw = cast(bytes | None, await redis.hget(names.roster_report(facility_ori), "report"))
    return None if raw is None else RosterReport.model_validate_json(raw)
