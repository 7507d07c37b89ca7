"""What each facility sent, counted in Redis as the custody stream is processed, and the holds on alerts.

Per facility (its own slot): a hash (first and last time sent, the latest
health, the hold), its entries by time and its releases by time, trimmed to the
history kept. One script per facility per batch, all facilities of a batch in
one round trip; the set of facilities is one more command.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, cast

from contracts import RedisNames
from contracts.feeds import DecidedHold, FeedCounts, FeedHealth, FeedHold
from notifier.domain.feeds import FeedPolicy
from runtime import RedisClient, as_text
from runtime.clock import epoch_ms
from runtime.scripts import ScriptCall, call_script_many

__all__ = ["FeedActivity", "FeedState", "FeedStats"]

_RECORD_SCRIPT = (files(__package__) / "record_feed.lua").read_text()
_HOLD_SCRIPT = """
-- Hold a facility's alerts unless a hold is in force already. KEYS[1] the feed hash; ARGV[1] the hold JSON.
if redis.call('HSETNX', KEYS[1], 'hold', ARGV[1]) == 1 then return 1 end
return 0
"""
_END_HOLD_SCRIPT = """
-- KEYS[1] the feed hash; ARGV[1] the decision carried out, kept as the last one.
redis.call('HSET', KEYS[1], 'last_hold_decision', ARGV[1])
redis.call('HDEL', KEYS[1], 'hold', 'hold_decision')
return 1
"""
_CHUNK = 500  # facilities per round trip when every feed is checked


@dataclass
class FeedActivity:
    """What one facility sent in a batch: (time ms, member) of its entries and of the releases they report."""

    entries: list[tuple[int, str]] = field(default_factory=list)
    releases: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FeedState:
    """What is kept of one facility's feed, read in the same script that counts it."""

    counts: FeedCounts
    hold: FeedHold | None  # in force now, with the operator's decision on it if one was taken
    last_decision: DecidedHold | None  # the decision on the facility's last hold carried out
    health: FeedHealth | None  # as last judged (None before the first check)


class FeedStats:
    def __init__(self, client: RedisClient, names: RedisNames, policy: FeedPolicy) -> None:
        self._client = client
        self._names = names
        self._policy = policy
        self._record = client.register_script(_RECORD_SCRIPT)
        self._hold = client.register_script(_HOLD_SCRIPT)
        self._end_hold = client.register_script(_END_HOLD_SCRIPT)

    @property
    def policy(self) -> FeedPolicy:
        return self._policy

    def _call(self, facility_ori: str, now_ms: int, activity: FeedActivity | None) -> ScriptCall:
        names, policy = self._names, self._policy
        args: list[str | int | float | bytes] = [
            now_ms,
            int(policy.history_seconds * 1000),
            int(policy.surge_window_seconds * 1000),
            len(activity.entries) if activity else 0,
        ]
        if activity is not None:
            for at_ms, member in (*activity.entries, *activity.releases):
                args += [at_ms, member]
        keys = [
            names.facility_feed(facility_ori),
            names.facility_feed_entries(facility_ori),
            names.facility_feed_releases(facility_ori),
        ]
        return keys, args

    async def record(self, activity: Mapping[str, FeedActivity], *, now_ms: int) -> dict[str, FeedState]:
        """Count each facility's entries and releases; returns each one's state, its hold now in force included."""
        if not activity:
            return {}
        facilities = sorted(activity)
        # The facilities' set lives in its own slot: sent alongside the counting, not before it.
        _, replies = await asyncio.gather(
            self._client.sadd(self._names.feeds, *facilities),
            call_script_many(
                self._client, self._record, [self._call(ori, now_ms, activity[ori]) for ori in facilities]
            ),
        )
        return {
            ori: _state(ori, now_ms, reply) for ori, reply in zip(facilities, replies, strict=True) if reply is not None
        }

    async def count_all(self, *, now_ms: int) -> dict[str, FeedState]:
        """Every facility's state, as the checker needs it."""
        members = cast(set[bytes], await self._client.smembers(self._names.feeds))
        facilities = sorted(as_text(member) for member in members)
        counted: dict[str, FeedState] = {}
        for start in range(0, len(facilities), _CHUNK):
            chunk = facilities[start : start + _CHUNK]
            calls = [self._call(ori, now_ms, None) for ori in chunk]
            replies = await call_script_many(self._client, self._record, calls)
            for ori, reply in zip(chunk, replies, strict=True):
                if reply is not None:
                    counted[ori] = _state(ori, now_ms, reply)
        return counted

    async def hold(self, facility_ori: str, hold: FeedHold) -> bool:
        """Hold the facility's alerts; False when a hold was in force already (it stands)."""
        reply = await self._hold(keys=[self._names.facility_feed(facility_ori)], args=[hold.model_dump_json()])
        return bool(reply)

    async def end_hold(self, facility_ori: str, decision: DecidedHold) -> None:
        """The decided hold is carried out: new alerts of the facility go out as usual again. The decision is
        kept as the last one, for an alert a batch in flight held after it was carried out."""
        await self._end_hold(keys=[self._names.facility_feed(facility_ori)], args=[decision.model_dump_json()])

    async def keep_health(self, healths: Iterable[FeedHealth]) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            for health in healths:
                pipe.hset(self._names.facility_feed(health.facility_ori), "health", health.model_dump_json())
            await pipe.execute()


def _state(facility_ori: str, now_ms: int, reply: Sequence[Any]) -> FeedState:
    first, last, in_history, last_day, in_window, before_window, hold, decision, last_decision, health = reply
    last_decided = None if last_decision is None else DecidedHold.model_validate_json(last_decision)
    counts = FeedCounts(
        facility_ori=facility_ori,
        now_ms=now_ms,
        first_seen_ms=int(first),
        last_sent_ms=int(last),
        entries_in_history=int(in_history),
        entries_last_24h=int(last_day),
        releases_in_window=int(in_window),
        releases_before_window=int(before_window),
        last_decided_at_ms=None if last_decided is None else epoch_ms(last_decided.at),
    )
    held = None if hold is None else FeedHold.model_validate_json(hold)
    if held is not None and decision is not None:
        held = held.model_copy(update={"decision": DecidedHold.model_validate_json(decision)})
    return FeedState(
        counts=counts,
        hold=held,
        last_decision=last_decided,
        health=None if health is None else FeedHealth.model_validate_json(health),
    )
