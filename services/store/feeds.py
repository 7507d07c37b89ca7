"""Each facility's feed: what it sent, counted as the custody stream is processed; its health as last judged; and
the hold on its alerts while a surge of releases is looked into.

Per facility (its own slot): a hash (first and last time sent, the latest health, the hold, the operator's
decision on it, the decision last carried out), its entries by time and its releases by time, trimmed to the
history kept. ``record_feed.lua`` counts one facility's batch and reads back what judging its feed needs; all
facilities of a batch go in one round trip, with the set of facilities. The notifier counts,
holds and judges (``FeedStats``); operators read and decide (``FeedReader``). Scripts: ``record_feed.lua``,
``start_feed_hold.lua``, ``end_feed_hold.lua``, ``decide_feed_hold.lua``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from contracts import RedisNames
from contracts.feeds import DecidedHold, FeedCounts, FeedHealth, FeedHold, FeedStatus
from contracts.stored_fields import FeedField, FeedSpellField
from runtime import RedisClient, as_text
from runtime.clock import epoch_ms
from runtime.scripts import ScriptCall
from store.scripts import SCRIPTS

__all__ = [
    "FeedActivity",
    "FeedReader",
    "FeedSpells",
    "FeedState",
    "FeedStats",
    "HoldNotDecidableError",
    "HoldSpell",
    "SilentSpell",
]

_CHUNK = 500  # facilities per round trip when every feed is counted
_ALARMS_FIRST = {FeedStatus.SURGE: 0, FeedStatus.SILENT: 1, FeedStatus.NEW: 2, FeedStatus.OK: 3}


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
    """Counting, holding and judging: the notifier's side. ``history_seconds`` is how far back counts reach,
    ``surge_window_seconds`` the window releases are counted in."""

    def __init__(
        self, client: RedisClient, names: RedisNames, *, history_seconds: float, surge_window_seconds: float
    ) -> None:
        self._client = client
        self._names = names
        self._history_ms = int(history_seconds * 1000)
        self._window_ms = int(surge_window_seconds * 1000)
        self._record = SCRIPTS.on(client, "record_feed")
        self._hold = SCRIPTS.on(client, "start_feed_hold")
        self._end_hold = SCRIPTS.on(client, "end_feed_hold")

    def _call(self, facility_ori: str, now_ms: int, activity: FeedActivity | None) -> ScriptCall:
        names = self._names
        args: list[str | int | float | bytes] = [
            now_ms,
            self._history_ms,
            self._window_ms,
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
        # The facilities' set lives in its own slot: sent alongside the counting (one round trip), not before it.
        _, replies = await self._record.many_beside(
            [("SADD", self._names.feeds, *facilities)],
            [self._call(ori, now_ms, activity[ori]) for ori in facilities],
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
            replies = await self._record.many([self._call(ori, now_ms, None) for ori in chunk])
            for ori, reply in zip(chunk, replies, strict=True):
                if reply is not None:
                    counted[ori] = _state(ori, now_ms, reply)
        return counted

    async def hold(self, facility_ori: str, hold: FeedHold) -> bool:
        """Hold the facility's alerts; False when a hold was in force already (it stands)."""
        reply = await self._hold(keys=[self._names.facility_feed(facility_ori)], args=[hold.model_dump_json()])
        if reply:
            await self._client.hsetnx(self._names.facility_feed_spells(facility_ori), _surge_field(hold), "")
        return bool(reply)

    async def end_hold(self, facility_ori: str, decision: DecidedHold) -> None:
        """The decided hold is carried out: new alerts of the facility go out as usual again. The decision is
        kept as the last one, for an alert a batch in flight held after it was carried out."""
        await self._end_hold(keys=[self._names.facility_feed(facility_ori)], args=[decision.model_dump_json()])

    async def keep_health(self, healths: Iterable[FeedHealth]) -> None:
        """Keep each judgement, and the history the outcome report reads: a silent spell as still silent at this
        check, a hold with the decision on it."""
        async with self._client.pipeline(transaction=False) as pipe:
            for health in healths:
                pipe.hset(self._names.facility_feed(health.facility_ori), FeedField.HEALTH, health.model_dump_json())
                spells = self._names.facility_feed_spells(health.facility_ori)
                if health.status is FeedStatus.SILENT and health.alarm_since is not None:
                    silent = f"{FeedSpellField.SILENT.value}:{epoch_ms(health.alarm_since)}"
                    pipe.hset(spells, silent, str(epoch_ms(health.checked_at)))
                if health.hold is not None:
                    decision = health.hold.decision.action if health.hold.decision is not None else ""
                    if decision:
                        pipe.hset(spells, _surge_field(health.hold), decision)
                    else:
                        pipe.hsetnx(spells, _surge_field(health.hold), "")
            await pipe.execute()


def _surge_field(hold: FeedHold) -> str:
    return f"{FeedSpellField.SURGE.value}:{epoch_ms(hold.since)}"


@dataclass(frozen=True, slots=True)
class SilentSpell:
    """A spell a facility's feed was judged silent: from ``start_ms`` to the last check that found it silent
    (``until_ms``), ``ongoing`` when the latest judgement is that very spell."""

    facility_ori: str
    start_ms: int
    until_ms: int
    ongoing: bool


@dataclass(frozen=True, slots=True)
class HoldSpell:
    """A hold of a facility's alerts for a surge: since when, and the operator's decision ("": none yet)."""

    facility_ori: str
    since_ms: int
    decision: str


@dataclass(frozen=True, slots=True)
class FeedSpells:
    silent: list[SilentSpell]
    holds: list[HoldSpell]


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
    return FeedState(
        counts=counts,
        hold=_hold_of(hold, decision),
        last_decision=last_decided,
        health=None if health is None else FeedHealth.model_validate_json(health),
    )


def _hold_of(hold: bytes | None, decision: bytes | None) -> FeedHold | None:
    """The hold in force, with the operator's decision on it, from the feed hash's fields as read."""
    held = None if hold is None else FeedHold.model_validate_json(hold)
    if held is not None and decision is not None:
        held = held.model_copy(update={"decision": DecidedHold.model_validate_json(decision)})
    return held


def _spell_start(raw_field: bytes) -> int:
    start = as_text(raw_field).partition(":")[2]
    return int(start) if start.isdigit() else 0


class HoldNotDecidableError(Exception):
    def __init__(self, hold: FeedHold | None) -> None:
        super().__init__("no undecided hold")
        self.hold = hold


class FeedReader:
    """Reading the feeds' health and holds, and keeping operators' decisions on holds: the operators' side."""

    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names
        self._decide = SCRIPTS.on(client, "decide_feed_hold")

    async def all(self, *, status: FeedStatus | None = None) -> list[FeedHealth]:
        """Every feed as last judged, alarms first (surge, silent, new, ok), then by ORI."""
        members = cast(set[bytes], await self._client.smembers(self._names.feeds))
        healths = await self._read(sorted(as_text(member) for member in members))
        chosen = [health for health in healths if status is None or health.status is status]
        return sorted(chosen, key=lambda health: (_ALARMS_FIRST[health.status], health.facility_ori))

    async def get(self, facility_ori: str) -> FeedHealth | None:
        found = await self._read([facility_ori])
        return found[0] if found else None

    async def _read(self, facilities: Sequence[str]) -> list[FeedHealth]:
        if not facilities:
            return []
        async with self._client.pipeline(transaction=False) as pipe:
            for ori in facilities:
                pipe.hmget(self._names.facility_feed(ori), [FeedField.HEALTH, FeedField.HOLD, FeedField.HOLD_DECISION])
                pipe.zcard(self._names.held_alerts(ori))
            replies: list[Any] = await pipe.execute()
        healths = []
        for index in range(0, len(replies), 2):
            (health, hold, decision), held = replies[index], replies[index + 1]
            if health is None:
                continue  # not judged yet: the notifier's next check will
            current = FeedHealth.model_validate_json(health)
            # The hold and the held alerts as they are now, not as at the last check.
            healths.append(current.model_copy(update={"hold": _hold_of(hold, decision), "held_alerts": int(held)}))
        return healths

    async def decide_hold(self, facility_ori: str, decision: DecidedHold) -> None:
        """Keep an operator's decision on the facility's hold; the notifier carries it out at its next check."""
        kept = await self._decide(keys=[self._names.facility_feed(facility_ori)], args=[decision.model_dump_json()])
        if int(kept) != 1:
            current = await self.get(facility_ori)
            raise HoldNotDecidableError(current.hold if current is not None else None)

    async def facilities(self) -> set[str]:
        """Every facility that ever sent something."""
        members = cast(set[bytes], await self._client.smembers(self._names.feeds))
        return {as_text(member) for member in members}

    async def spells(self, facilities: Sequence[str]) -> FeedSpells:
        """Each facility's silent spells and holds as kept (oldest first, per facility)."""
        wanted = sorted(facilities)
        if not wanted:
            return FeedSpells([], [])
        async with self._client.pipeline(transaction=False) as pipe:
            for ori in wanted:
                pipe.hgetall(self._names.facility_feed_spells(ori))
                pipe.hget(self._names.facility_feed(ori), FeedField.HEALTH)
            replies: list[Any] = await pipe.execute()
        silent: list[SilentSpell] = []
        holds: list[HoldSpell] = []
        for ori, spells, health in zip(wanted, replies[::2], replies[1::2], strict=True):
            current = None if health is None else FeedHealth.model_validate_json(health)
            now_silent_since = (
                epoch_ms(current.alarm_since)
                if current is not None and current.status is FeedStatus.SILENT and current.alarm_since is not None
                else None
            )
            for raw_field, raw_value in sorted(spells.items(), key=lambda item: _spell_start(item[0])):
                kind, _, start = as_text(raw_field).partition(":")
                value = as_text(raw_value)
                if kind == FeedSpellField.SILENT.value:
                    silent.append(SilentSpell(ori, int(start), int(value), ongoing=int(start) == now_silent_since))
                elif kind == FeedSpellField.SURGE.value:
                    holds.append(HoldSpell(ori, int(start), value))
        return FeedSpells(silent, holds)

    async def held_alert_ids(self, facility_ori: str, *, limit: int) -> list[str]:
        """The facility's held alerts, oldest first (each readable at ``GET /v1/alerts/{id}``)."""
        raw = cast(list[bytes], await self._client.zrange(self._names.held_alerts(facility_ori), 0, limit - 1))
        return [alert_id.decode() for alert_id in raw]
