"""The synthetic month (``bench/outcome_month.py``) replayed through the real services: each item of its feed
sent to the ingest API at its time, and processed by real notifier processors on a clock moved with it.

Ingest reads the wall clock, so the replay travels it (``time_machine``) to each item's time; the notifier's
clock is a ``MovableClock`` moved with it. The feed monitor judges every feed on the hour between items, as
``RW_FEED_CHECK_SECONDS`` would have it. Redis stamps each custody stream entry with its own time: that, the
replay cannot move.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import time_machine
from bench.outcome_month import POLICIES, SyntheticMonth
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.settings import IngestSettings
from notifier.bootstrap import NotifierOptions, build_parts
from notifier.chores.feed_health import FeedMonitor
from notifier.domain.feeds import FeedPolicy
from policies.enforcement import PolicyEnforcement
from tests.integration.notifier.support import RETENTION_SECONDS, MovableClock, NotifierInstance, Streams
from tests.integration.serving import serving

__all__ = ["Replay", "replayed_month"]

CHECK_EVERY = timedelta(hours=1)
PLAUSIBLE_PAST_DAYS = 3650  # the month is years old by the time anyone reads this test


@dataclass
class Replay:
    """The ingest API the month was sent through, the notifier that processed it, and the clock of both."""

    api: httpx.AsyncClient
    notifier: NotifierInstance
    monitor: FeedMonitor
    streams: Streams
    clock: MovableClock
    traveller: time_machine.Coordinates
    in_custody: dict[str, set[str]]  # facility -> bookings in custody, by what the feed sent

    def move_to(self, moment: datetime) -> None:
        self.traveller.move_to(moment)
        self.clock.now = moment

    async def check_feeds_until(self, moment: datetime) -> None:
        """Judge every feed on the hour from the clock's time up to ``moment``, as the periodic check does."""
        check = self.clock.now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + CHECK_EVERY
        while check < moment:
            self.move_to(check)
            await self.monitor.check_all()
            check += CHECK_EVERY

    async def send(self, item: dict[str, Any]) -> None:
        """One item of the feed, as its sender sends it at its time; then the notifier catches up."""
        self.move_to(item["at"])
        what = item["what"]
        if what == "lodge_detainer":
            answer = await self.api.post("/v1/detainers", json=item["detainer"])
            assert answer.status_code == 201, answer.text
        elif what == "lift_detainer":
            answer = await self.api.post(
                f"/v1/detainers/{item['detainer_id']}/lift",
                params={"field_office": item["field_office"]},
                json={"reason": item["reason"]},
            )
            assert answer.status_code == 200, answer.text
        elif what == "custody_event":
            event = item["event"]
            answer = await self.api.post("/v1/custody-events", json=event)
            assert answer.status_code == 202, answer.text
            held = self.in_custody.setdefault(event["facility_ori"], set())
            if event["type"] == "booking":
                held.add(event["booking_number"])
            elif event["type"] in ("release", "transfer"):
                held.discard(event["booking_number"])
        elif what == "refused_event":
            answer = await self.api.post("/v1/custody-events", json=item["event"])
            assert answer.status_code == 422, answer.text
        elif what == "roster":
            ori = item["facility_ori"]
            held = self.in_custody.get(ori, set()) - set(item["omits"])
            listed = sorted(held | set(item.get("also_lists", ())))
            body = {"roster_id": f"R-{item['at']:%Y%m%d%H%M}", "as_of": item["as_of"], "booking_numbers": listed}
            answer = await self.api.post(f"/v1/facilities/{ori}/roster", json=body)
            assert answer.status_code == 202, answer.text
            self.in_custody[ori] = held
        elif what == "decide_alert":
            await self._decide(item)
        else:
            raise AssertionError(f"the feed holds an item the replay cannot send: {what!r}")
        await self.notifier.catch_up(self.streams)
        await self.monitor.check_all()

    async def _decide(self, item: dict[str, Any]) -> None:
        """A person's decision on an alert, found as its office finds it: by detainer, booking and kind."""
        office = item["field_office"]
        listed = await self.api.get("/v1/alerts", params={"field_office": office, "limit": 500})
        assert listed.status_code == 200, listed.text
        (alert_id,) = [
            alert["alert_id"]
            for alert in listed.json()["alerts"]
            if (alert["detainer_ref"], alert["booking_number"], alert["kind"])
            == (item["detainer_ref"], item["booking_number"], item["kind"])
        ]
        body = {"outcome": item["outcome"]} if item["action"] == "resolve" else None
        answer = await self.api.post(f"/v1/alerts/{alert_id}/{item['action']}", json=body)
        assert answer.status_code == 200, answer.text


@asynccontextmanager
async def replayed_month(
    redis_url: str, client: Redis, names: RedisNames, month: SyntheticMonth, workdir: Path
) -> AsyncIterator[Replay]:
    """The whole month replayed: yields the replay with its clock after the month's last item."""
    policy_file = workdir / "policies.yaml"
    policy_file.write_text(POLICIES)
    settings = IngestSettings(
        redis_url=redis_url,
        log_format="text",
        auth="off",
        policies_file=policy_file,
        plausible_past_days=PLAUSIBLE_PAST_DAYS,
    )
    policies = PolicyEnforcement(policy_file, actor="notifier")
    policies.load()
    clock = MovableClock(month.feed[0]["at"])
    options = NotifierOptions(
        booking_retention_seconds=RETENTION_SECONDS, feeds=FeedPolicy(), policies=policies, clock=clock
    )
    parts = build_parts(client, names, options)
    assert parts.feeds is not None
    with time_machine.travel(clock.now, tick=False) as traveller:
        async with serving(settings) as api:
            replay = Replay(
                api=api,
                notifier=await NotifierInstance.start(parts.ports),
                monitor=parts.feeds,
                streams=Streams(client, names),
                clock=clock,
                traveller=traveller,
                in_custody={},
            )
            for item in month.feed:
                await replay.check_feeds_until(item["at"])
                await replay.send(item)
            yield replay
