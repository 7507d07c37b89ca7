"""What the outcome report reads of the past: lifts by time, silent spells and holds, each roster's findings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from contracts import LiftDetainer, LodgeDetainer, RedisNames, RosterReport
from contracts.feeds import DecidedHold, FeedHealth, FeedHold, FeedStatus
from store.detainers import DetainerStore
from store.feeds import FeedReader, FeedStats, HoldSpell, SilentSpell
from store.roster_reports import RosterReports
from tests import samples

T0 = datetime(2026, 11, 10, 12, tzinfo=UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _health(
    status: FeedStatus, *, since: datetime | None, checked_at: datetime, hold: FeedHold | None = None
) -> FeedHealth:
    return FeedHealth(
        facility_ori="TX2270000",
        status=status,
        reason="as judged",
        first_seen_at=T0 - timedelta(days=30),
        last_sent_at=since or checked_at,
        silent_seconds=0.0,
        entries_last_24h=0,
        usual_entries_per_hour=None,
        releases_in_window=0,
        usual_releases_per_window=None,
        alarm_since=since,
        hold=hold,
        checked_at=checked_at,
    )


async def test_a_lift_is_found_by_when_it_happened_and_by_office(redis_client: Redis, names: RedisNames) -> None:
    now = [T0]
    store = DetainerStore(redis_client, names, clock=lambda: now[0])
    for office, detainer_id in (("LOS", "D-1"), ("HOU", "D-2"), ("LOS", "D-3")):
        await store.lodge(
            LodgeDetainer.model_validate_json(
                json.dumps(samples.detainer(detainer_id=detainer_id, field_office=office))
            )
        )
    for days, (office, detainer_id) in enumerate((("LOS", "D-1"), ("HOU", "D-2"), ("LOS", "D-3")), start=1):
        now[0] = T0 + timedelta(days=days)
        await store.lift(office, detainer_id, LiftDetainer.model_validate_json('{"reason": "cancelled"}'))

    in_two_days = (_ms(T0 + timedelta(days=1)), _ms(T0 + timedelta(days=2)))
    assert await store.lifted_between(*in_two_days) == ["LOS/D-1", "HOU/D-2"]
    assert await store.lifted_between(*in_two_days, field_office="LOS") == ["LOS/D-1"]
    assert await store.lifted_between(0, _ms(T0)) == []


async def test_a_silent_spell_is_kept_until_the_feed_speaks_and_a_hold_with_its_decision(
    redis_client: Redis, names: RedisNames
) -> None:
    stats = FeedStats(redis_client, names, history_seconds=86400, surge_window_seconds=3600)
    reader = FeedReader(redis_client, names)
    for hours in (0, 1, 2):
        await stats.keep_health([_health(FeedStatus.SILENT, since=T0, checked_at=T0 + timedelta(hours=hours))])

    (ongoing,) = (await reader.spells(["TX2270000"])).silent
    assert ongoing == SilentSpell("TX2270000", _ms(T0), _ms(T0 + timedelta(hours=2)), ongoing=True)

    await stats.keep_health([_health(FeedStatus.OK, since=None, checked_at=T0 + timedelta(hours=3))])
    hold = FeedHold(since=T0 + timedelta(days=1), reason="40 releases in 1 hour")
    assert await stats.hold("TX2270000", hold)
    spells = await reader.spells(["TX2270000"])
    assert spells.silent == [SilentSpell("TX2270000", _ms(T0), _ms(T0 + timedelta(hours=2)), ongoing=False)]
    assert spells.holds == [HoldSpell("TX2270000", _ms(hold.since), "")]

    decided = hold.model_copy(
        update={"decision": DecidedHold(action="discard", note="bad load", by="ops", at=hold.since)}
    )
    checked = T0 + timedelta(days=1, hours=1)
    await stats.keep_health([_health(FeedStatus.SURGE, since=hold.since, checked_at=checked, hold=decided)])
    await stats.keep_health([_health(FeedStatus.SURGE, since=hold.since, checked_at=checked, hold=hold)])  # late
    assert (await reader.spells(["TX2270000"])).holds == [HoldSpell("TX2270000", _ms(hold.since), "discard")]


async def test_each_roster_s_findings_are_kept_once_by_when_it_was_drawn_up(
    redis_client: Redis, names: RedisNames
) -> None:
    reports = RosterReports(redis_client, names)

    def report(roster_id: str, as_of: datetime, unknown: int) -> RosterReport:
        return RosterReport(
            facility_ori="CA0190100", roster_id=roster_id, as_of=as_of, processed_at=as_of, listed=10, released=1,
            unknown=unknown, listed_after_leaving=2,
        )  # fmt: skip

    assert await reports.keep(report("R-2", T0 + timedelta(days=2), 5))
    assert not await reports.keep(report("R-1", T0, 3))  # drawn up earlier: not the latest, still a finding
    assert not await reports.keep(report("R-1", T0, 3))  # redelivered: once

    findings = await reports.findings(["CA0190100"], _ms(T0), _ms(T0 + timedelta(days=2)))
    assert [(f.roster_id, f.unknown, f.listed_after_leaving, f.released) for f in findings] == [
        ("R-1", 3, 2, 1),
        ("R-2", 5, 2, 1),
    ]
    assert await reports.findings(["CA0190100"], _ms(T0 + timedelta(hours=1)), _ms(T0 + timedelta(days=1))) == []
