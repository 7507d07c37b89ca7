"""Reading the facilities' feed health the notifier keeps, and recording operators' decisions on holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from contracts import RedisNames
from contracts.feeds import DecidedHold, FeedHealth, FeedHold, FeedStatus
from runtime import RedisClient, as_text

__all__ = ["FeedReader", "HoldNotDecidableError"]

_DECIDE_SCRIPT = """
-- KEYS[1] the facility's feed hash; ARGV[1] the decision JSON.
-- 1: kept; 0: a decision was taken already; -1: no hold in force.
if redis.call('HEXISTS', KEYS[1], 'hold') == 0 then return -1 end
return redis.call('HSETNX', KEYS[1], 'hold_decision', ARGV[1])
"""
_ORDER = {FeedStatus.SURGE: 0, FeedStatus.SILENT: 1, FeedStatus.NEW: 2, FeedStatus.OK: 3}


class HoldNotDecidableError(Exception):
    def __init__(self, hold: FeedHold | None) -> None:
        super().__init__("no undecided hold")
        self.hold = hold


class FeedReader:
    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names
        self._decide = client.register_script(_DECIDE_SCRIPT)

    async def all(self, *, status: FeedStatus | None = None) -> list[FeedHealth]:
        """Every feed as last judged, alarms first (surge, silent, new, ok), then by ORI."""
        members = cast(set[bytes], await self._client.smembers(self._names.feeds))
        healths = await self._read(sorted(as_text(member) for member in members))
        chosen = [health for health in healths if status is None or health.status is status]
        return sorted(chosen, key=lambda health: (_ORDER[health.status], health.facility_ori))

    async def get(self, facility_ori: str) -> FeedHealth | None:
        found = await self._read([facility_ori])
        return found[0] if found else None

    async def _read(self, facilities: Sequence[str]) -> list[FeedHealth]:
        if not facilities:
            return []
        async with self._client.pipeline(transaction=False) as pipe:
            for ori in facilities:
                pipe.hmget(self._names.facility_feed(ori), ["health", "hold", "hold_decision"])
                pipe.zcard(self._names.held_alerts(ori))
            replies: list[Any] = await pipe.execute()
        healths = []
        for index in range(0, len(replies), 2):
            (health, hold, decision), held = replies[index], replies[index + 1]
            if health is None:
                continue  # not judged yet: the notifier's next check will
            current = FeedHealth.model_validate_json(health)
            # The hold and the held alerts as they are now, not as at the last check.
            held_hold = None if hold is None else FeedHold.model_validate_json(hold)
            if held_hold is not None and decision is not None:
                held_hold = held_hold.model_copy(update={"decision": DecidedHold.model_validate_json(decision)})
            healths.append(current.model_copy(update={"hold": held_hold, "held_alerts": int(held)}))
        return healths

    async def decide_hold(self, facility_ori: str, decision: DecidedHold) -> None:
        """Keep an operator's decision on the facility's hold; the notifier carries it out at its next check."""
        kept = await self._decide(keys=[self._names.facility_feed(facility_ori)], args=[decision.model_dump_json()])
        if int(kept) != 1:
            current = await self.get(facility_ori)
            raise HoldNotDecidableError(current.hold if current is not None else None)

    async def held_alert_ids(self, facility_ori: str, *, limit: int) -> list[str]:
        """The facility's held alerts, oldest first (each readable at ``GET /v1/alerts/{id}``)."""
        raw = cast(list[bytes], await self._client.zrange(self._names.held_alerts(facility_ori), 0, limit - 1))
        return [alert_id.decode() for alert_id in raw]
