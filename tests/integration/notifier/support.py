"""Driving the notifier in integration tests, and observing what it left: shared by the test modules here.

The processors are put together by ``notifier.bootstrap.build_parts``, as a running notifier's are, on a fixed
clock and without planning reminders (``start_scheduled_notifier`` plans them, on a clock the test moves).
Custody events and detainers go in through the real ingest API (``IngestApi``), so the streams, records and
changelog are exactly what ingest writes. Entries are read back with the notifier's consumer group, as the
FastStream subscribers read them (``Streams``), and handed to the processors directly.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import httpx
from redis.asyncio import Redis

from contracts import NOTIFIER_GROUP, Alert, AlertRaised, AlertUpdated, DeadLetter, RedisNames
from contracts.envelope import StreamEntry
from ingest.auth import ApiKeyEntry, Role, digest_of
from notifier.app import Notifier
from notifier.bootstrap import NotifierOptions, Processors, build_parts
from notifier.chores.scheduler import Scheduler
from notifier.consuming.batch_runner import BatchProcessor, BatchRunner
from notifier.consuming.dead_letters import DeadLetterWriter
from notifier.domain.custody import BookingState
from notifier.domain.schedule import SchedulePolicy
from notifier.handlers.alert_reviewed import AlertReviewProcessor
from notifier.handlers.custody_events import CustodyEventProcessor
from notifier.handlers.detainer_index import DetainerIndex
from notifier.handlers.detainer_lodged import DetainerLodgeProcessor
from notifier.handlers.ports import NotifierPorts
from notifier.settings import NotifierSettings
from store.alerts import AlertAsRead, AlertStore
from store.bookings import STATE_FORMAT
from store.consumer_groups import ensure_consumer_group
from tests.integration.serving import Served

StreamEntries = list[tuple[bytes, dict[bytes, bytes]]]
T = TypeVar("T")

FIXED_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RETENTION_SECONDS = 30 * 24 * 3600
READER = "test-reader"  # this test's consumer name in the notifier group

FACILITY = "CA0194200"
BOOKING_NUMBER = "2026-004512"
RELEASE_AT = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # samples.release_scheduled's release time


def fixed_clock() -> datetime:
    return FIXED_NOW


def build_ports(client: Redis, names: RedisNames, **replacing: Any) -> NotifierPorts:
    """The ports a notifier is built with (no reminders planned, no feeds watched), on the fixed clock; the
    adapters named in ``replacing`` (``bookings=...``) replaced by a test's own."""
    options = NotifierOptions(booking_retention_seconds=RETENTION_SECONDS, clock=fixed_clock)
    return dataclasses.replace(build_parts(client, names, options).ports, **replacing)


def custody_runner(
    client: Redis, names: RedisNames, processor: BatchProcessor, *, max_deliveries: int = 1
) -> BatchRunner:
    """The custody stream's runner as a notifier runs it, in the notifier group, around ``processor``: an entry it
    fails on ``max_deliveries`` times goes to the dead letters (on the fixed clock)."""
    return BatchRunner(
        client=client,
        stream=names.custody_events,
        group=NOTIFIER_GROUP,
        stream_label="custody",
        processor=processor,
        dead_letters=DeadLetterWriter(client, names, clock=fixed_clock),
        max_deliveries=max_deliveries,
    )


class AlertStoreWithAWindow(AlertStore):
    """Runs ``before`` once, just before the first alerts are written: after a batch matched, before it raised (what
    a crash or another notifier may do in between)."""

    def __init__(self, client: Redis, names: RedisNames, *, before: Callable[[], Awaitable[None]]) -> None:
        super().__init__(client, names)
        self._before: Callable[[], Awaitable[None]] | None = before

    async def create(
        self,
        alerts: Sequence[Alert],
        *,
        held_facilities: Set[str] = frozenset(),
        written: dict[str, AlertAsRead] | None = None,
    ) -> list[Alert]:
        if self._before is not None:
            before, self._before = self._before, None
            await before()
        return await super().create(alerts, held_facilities=held_facilities, written=written)


@dataclass
class NotifierInstance:
    """One notifier's processors and ports (each instance holds its own detainer index)."""

    ports: NotifierPorts
    custody: CustodyEventProcessor
    lodges: DetainerLodgeProcessor
    reviews: AlertReviewProcessor

    @classmethod
    async def start(cls, ports: NotifierPorts) -> NotifierInstance:
        await cast(DetainerIndex, ports.detainers).load()  # what Notifier.prepare() does before subscribing
        processors = Processors.over(ports)
        return cls(ports, processors.custody, processors.lodges, processors.reviews)

    async def catch_up(self, streams: Streams) -> None:
        """Process whatever is new on each stream the notifier consumes."""
        if changes := await streams.new_detainer_changes():
            await self.lodges.process(changes)
        if events := await streams.new_custody_events():
            await self.custody.process(events)
        if reviews := await streams.new_alert_reviews():
            await self.reviews.process(reviews)


async def catch_up(notifier: NotifierInstance, streams: Streams) -> None:
    """The notifier processes whatever is new on each stream it consumes."""
    await notifier.catch_up(streams)


class Streams:
    """Reads new entries with the notifier's consumer group (created at id 0, as ``prepare`` does)."""

    def __init__(self, client: Redis, names: RedisNames) -> None:
        self._client = client
        self._names = names

    async def _new(self, stream: str, group: str = NOTIFIER_GROUP) -> list[StreamEntry]:
        await ensure_consumer_group(self._client, stream, group)
        reply = cast(
            list[tuple[bytes, StreamEntries]],
            await self._client.xreadgroup(group, READER, {stream: ">"}, count=10_000),
        )
        return [
            StreamEntry(stream, message_id.decode(), fields) for _, entries in reply for message_id, fields in entries
        ]

    async def new_custody_events(self) -> list[StreamEntry]:
        return await self._new(self._names.custody_events)

    async def new_detainer_changes(self) -> list[StreamEntry]:
        return await self._new(self._names.detainer_changes)

    async def new_alert_messages(self, group: str) -> list[StreamEntry]:
        """New entries of the alert stream for a channel's consumer group (webhooks, e-mail)."""
        return await self._new(self._names.alerts_raised, group)

    async def new_alert_reviews(self) -> list[StreamEntry]:
        return await self._new(self._names.alert_reviews)

    async def append_raw_entry(self, stream: str, fields: dict[str, str | bytes]) -> str:
        """An entry written by something other than ingest."""
        message_id = await self._client.xadd(stream, cast(Any, fields))
        return cast(bytes, message_id).decode()

    async def append_raw_custody_entry(self, fields: dict[str, str | bytes]) -> str:
        return await self.append_raw_entry(self._names.custody_events, fields)


class IngestApi:
    """What the jails and the field offices do, through the ingest API."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self._api = api

    async def submit(self, *events: dict[str, Any]) -> list[str]:
        """Posts custody events one by one; returns their stream ids."""
        stream_ids = []
        for event in events:
            answer = await self._api.post("/v1/custody-events", json=event)
            assert answer.status_code == 202, answer.text
            stream_ids.append(answer.json()["stream_id"])
        return stream_ids

    async def lodge(self, detainer: dict[str, Any]) -> None:
        answer = await self._api.post("/v1/detainers", json=detainer)
        assert answer.status_code == 201, answer.text

    async def lift(self, detainer_id: str, reason: str = "cancelled") -> None:
        answer = await self._api.post(f"/v1/detainers/{detainer_id}/lift", json={"reason": reason})
        assert answer.status_code == 200, answer.text


class Outcome:
    """What the notifier left in Redis for users to see."""

    def __init__(self, client: Redis, names: RedisNames) -> None:
        self._client = client
        self._names = names

    async def alerts(self, field_office: str | None = None) -> list[Alert]:
        """Alerts in the listing (all, or one office's), oldest first."""
        ids = cast(list[bytes], await self._client.zrange(self._names.alert_listing(field_office=field_office), 0, -1))
        if not ids:
            return []
        records = cast(list[bytes | None], await self._client.mget([self._names.alert(i.decode()) for i in ids]))
        assert all(record is not None for record in records), "a listed alert has no record"
        return [Alert.model_validate_json(record or b"") for record in records]

    async def alert_kinds(self, field_office: str | None = None) -> list[str]:
        return sorted(alert.kind.value for alert in await self.alerts(field_office))

    async def alerts_raised(self) -> list[AlertRaised]:
        entries = cast(StreamEntries, await self._client.xrange(self._names.alerts_raised))
        return [
            AlertRaised.model_validate_json(fields[b"__data__"])
            for _, fields in entries
            if fields[b"type"] == b"alert_raised"
        ]

    async def alerts_updated(self) -> list[AlertUpdated]:
        """The ``alert_updated`` messages on the alert stream, oldest first."""
        entries = cast(StreamEntries, await self._client.xrange(self._names.alerts_raised))
        return [
            AlertUpdated.model_validate_json(fields[b"__data__"])
            for _, fields in entries
            if fields[b"type"] == b"alert_updated"
        ]

    async def dead_letters(self) -> list[tuple[dict[bytes, bytes], DeadLetter]]:
        entries = cast(StreamEntries, await self._client.xrange(self._names.dead_letters))
        return [(fields, DeadLetter.model_validate_json(fields[b"__data__"])) for _, fields in entries]

    async def booking_if_stored(
        self, facility_ori: str = FACILITY, booking_number: str = BOOKING_NUMBER
    ) -> BookingState | None:
        raw = await self._client.hget(self._names.booking(facility_ori, booking_number), "state")
        return None if raw is None else BookingState.model_validate_json(STATE_FORMAT.decode(raw))

    async def booking(self, facility_ori: str = FACILITY, booking_number: str = BOOKING_NUMBER) -> BookingState:
        state = await self.booking_if_stored(facility_ori, booking_number)
        assert state is not None, "no booking state stored"
        return state


def without_identifiers_but(**identifiers: Any) -> dict[str, Any]:
    """Identifier overrides for ``samples.person``: only those given."""
    return {"fbi_number": None, "state_id": None, "a_number": None, **identifiers}


# --- the API with real keys: a jail, two field offices and an operator ---------------------------

DESK = "LOS duty desk"

KEYS = {
    "jail": ApiKeyEntry(name="county jail", role=Role.SOURCE, key_sha256=digest_of("rwk_jail")),
    "los": ApiKeyEntry(name=DESK, role=Role.FIELD_OFFICE, field_office="LOS", key_sha256=digest_of("rwk_los")),
    "nyc": ApiKeyEntry(
        name="NYC duty desk", role=Role.FIELD_OFFICE, field_office="NYC", key_sha256=digest_of("rwk_nyc")
    ),
    "ops": ApiKeyEntry(name="night operator", role=Role.OPERATOR, key_sha256=digest_of("rwk_ops")),
}


def as_(holder: str) -> dict[str, str]:
    """The Authorization header of ``holder`` (a key of ``KEYS``)."""
    return {"Authorization": f"Bearer rwk_{holder}"}


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class ScheduledNotifier:
    """One notifier: its processors (reminders and escalations planned) and its scheduler, on ``clock``."""

    instance: NotifierInstance
    scheduler: Scheduler
    clock: MovableClock

    async def catch_up(self, streams: Streams) -> None:
        """Process whatever is new on each stream the notifier consumes."""
        await self.instance.catch_up(streams)

    async def run_due_at(self, moment: datetime) -> dict[str, int]:
        self.clock.now = moment
        return await self.scheduler.run_due()


async def start_scheduled_notifier(
    client: Redis, names: RedisNames, clock: MovableClock, policy: SchedulePolicy | None = None
) -> ScheduledNotifier:
    """A notifier that plans reminders and escalations (by ``policy``), with its scheduler, on ``clock``."""
    options = NotifierOptions(
        booking_retention_seconds=RETENTION_SECONDS, schedule=policy or SchedulePolicy(), clock=clock
    )
    parts = build_parts(client, names, options)
    assert parts.scheduler is not None
    return ScheduledNotifier(await NotifierInstance.start(parts.ports), parts.scheduler, clock)


PATIENCE_SECONDS = 10.0
POLL_SECONDS = 0.05


async def eventually(
    probe: Callable[[], Awaitable[T]],
    until: Callable[[T], bool],
    *,
    what: str,
    patience: float = PATIENCE_SECONDS,
) -> T:
    """Polls ``probe`` until ``until`` holds for its answer; fails after ``patience`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while True:
        answer = await probe()
        if until(answer):
            return answer
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what}; last seen: {answer!r}")
        await asyncio.sleep(POLL_SECONDS)


class WiredNotifier:
    """A notifier as ``notifier.bootstrap.build_notifier`` wires it: FastStream subscribers on the real streams."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        self.started = False

    async def start(self) -> None:
        """What the app's start-up does: groups at id 0, detainers loaded, then the subscribers."""
        await self.notifier.prepare()
        await self.notifier.broker.start()
        self.started = True

    async def stop(self) -> None:
        if self.started:
            self.started = False
            await self.notifier.broker.stop()
        await self.notifier.close()


def settings_for(redis_url: str) -> NotifierSettings:
    return NotifierSettings(redis_url=redis_url, poll_interval_ms=50, batch_size=100, consumer_name="test-1")


def pending_on(client: Redis, stream: str) -> Callable[[], Awaitable[int]]:
    """A probe: how many entries of ``stream`` the notifier group read but did not acknowledge."""

    async def pending() -> int:
        summary = await client.xpending(stream, NOTIFIER_GROUP)
        return int(summary["pending"])

    return pending


# --- the office page in a real browser: ingest served over TCP, a notifier on the real clock ------------


@dataclass
class ServedOffice:
    """The ingest API served over TCP (the live feed streams) with authentication off, and one notifier on the
    real clock: what a browser on the office page talks to, with the test acting as the jail and the notifier."""

    served: Served
    notifier: ScheduledNotifier
    streams: Streams

    @property
    def base_url(self) -> str:
        return str(self.served.client.base_url).rstrip("/")

    @property
    def api(self) -> httpx.AsyncClient:
        return self.served.client

    async def lodge(self, detainer: dict[str, Any]) -> None:
        answer = await self.api.post("/v1/detainers", json=detainer)
        assert answer.status_code == 201, answer.text

    async def submit(self, *events: dict[str, Any]) -> None:
        """The jail sends ``events`` (one batch), and the notifier processes them."""
        answer = await self.api.post("/v1/custody-events:batch", json=list(events))
        assert answer.status_code == 202, answer.text
        await self.catch_up()

    async def catch_up(self) -> None:
        self.notifier.clock.now = datetime.now(UTC)
        await self.notifier.catch_up(self.streams)

    async def alerts(self, **query: str) -> list[dict[str, Any]]:
        answer = await self.api.get("/v1/alerts", params={"field_office": "LOS", "limit": 500, **query})
        assert answer.status_code == 200, answer.text
        return list(answer.json()["alerts"])
