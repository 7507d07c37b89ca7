"""The operators' page as its tests reach it: ingest over TCP with keys, a notifier the test drives."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from redis.asyncio import Redis

from contracts import RedisNames
from contracts.feeds import FeedHealth, FeedHold, FeedStatus
from ingest.auth import ApiKeyEntry, Role, digest_of
from store.feeds import FeedStats
from tests.integration.notifier.support import ScheduledNotifier, Streams
from tests.integration.serving import Served

OPERATOR_KEY = "rwk_operator-key-for-the-ops-page"
OFFICE_KEY = "rwk_office-key-for-the-ops-page"
SOURCE_KEY = "rwk_source-key-for-the-ops-page"
SURGING = "CA0194200"


@dataclass
class ServedOps:
    """Ingest over TCP with keys, a notifier the test drives, and the streams it reads."""

    served: Served
    notifier: ScheduledNotifier
    streams: Streams
    redis: Redis
    names: RedisNames

    @property
    def base_url(self) -> str:
        return str(self.served.client.base_url).rstrip("/")

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {OPERATOR_KEY}", **kwargs.pop("headers", {})}
        return await self.served.client.request(method, path, headers=headers, **kwargs)

    async def catch_up(self) -> None:
        self.notifier.clock.now = datetime.now(UTC)
        await self.notifier.catch_up(self.streams)

    async def submit(self, *events: dict[str, Any]) -> None:
        answer = await self.call("POST", "/v1/custody-events:batch", json=list(events))
        assert answer.status_code == 202, answer.text
        await self.catch_up()

    async def send_roster(self, *booking_numbers: str, facility: str = SURGING) -> None:
        as_of = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        body = {"roster_id": "roster-0600", "as_of": as_of.isoformat(), "booking_numbers": list(booking_numbers)}
        answer = await self.call("POST", f"/v1/facilities/{facility}/roster", json=body)
        assert answer.status_code == 202, answer.text
        await self.catch_up()

    async def a_dead_letter(self, written_by: str = "a test harness") -> None:
        """A record some other program wrote to the custody stream: the notifier dead-letters it."""
        await self.streams.append_raw_custody_entry({"written-by": written_by})
        await self.catch_up()

    async def a_surge_held(self, ori: str = SURGING) -> None:
        """The notifier's verdict on a facility whose releases surged: its alerts held for an operator."""
        now = datetime.now(UTC)
        hold = FeedHold(since=now - timedelta(minutes=12), reason="40 releases in 1 hour, usually 2")
        stats = FeedStats(self.redis, self.names, history_seconds=7 * 86400, surge_window_seconds=3600)
        await self.redis.sadd(self.names.feeds, ori)
        assert await stats.hold(ori, hold)
        health = FeedHealth(
            facility_ori=ori,
            status=FeedStatus.SURGE,
            reason="40 releases in 1 hour, usually 2",
            first_seen_at=now - timedelta(days=30),
            last_sent_at=now - timedelta(minutes=1),
            silent_seconds=60,
            entries_last_24h=400,
            usual_entries_per_hour=12.0,
            releases_in_window=40,
            usual_releases_per_window=2.0,
            hold=hold,
            checked_at=now,
        )
        await stats.keep_health([health])


def page_keys() -> str:
    return json.dumps(
        [
            entry.model_dump(mode="json")
            for entry in (
                ApiKeyEntry(name="night operator", role=Role.OPERATOR, key_sha256=digest_of(OPERATOR_KEY)),
                ApiKeyEntry(
                    name="LOS desk", role=Role.FIELD_OFFICE, field_office="LOS", key_sha256=digest_of(OFFICE_KEY)
                ),
                ApiKeyEntry(name="county jail", role=Role.SOURCE, key_sha256=digest_of(SOURCE_KEY)),
            )
        ]
    )
