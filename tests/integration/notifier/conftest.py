"""The notifier's processors over the test Redis, assembled the way ``app.build_notifier`` does.

Custody events and detainers go in through the real ingest API (the ``api``
fixture), so the streams, records and changelog are exactly what ingest
writes. Entries are read back with the notifier's consumer group, as the
FastStream subscribers read them, and handed to the processors directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import httpx
import pytest
from redis.asyncio import Redis

from contracts import NOTIFIER_GROUP, Alert, AlertRaised, AlertUpdated, DeadLetter, RedisNames
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from notifier.adapters.alert_store import AlertStore
from notifier.adapters.booking_index import BookingIndex
from notifier.adapters.booking_store import BookingStore
from notifier.adapters.dead_letters import DeadLetterWriter
from notifier.adapters.detainer_index import DetainerIndex
from notifier.adapters.roster_reports import RosterReports
from notifier.adapters.stream_entries import StreamEntry
from notifier.domain.custody import BookingState
from notifier.service import AlertReviewProcessor, CustodyEventProcessor, DetainerLodgeProcessor, NotifierPorts
from runtime import ensure_consumer_group
from tests.integration.serving import keys_json, serving

StreamEntries = list[tuple[bytes, dict[bytes, bytes]]]

FIXED_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RETENTION_SECONDS = 30 * 24 * 3600
READER = "test-reader"  # this test's consumer name in the notifier group

FACILITY = "CA0194200"
BOOKING_NUMBER = "2026-004512"


def fixed_clock() -> datetime:
    return FIXED_NOW


def build_ports(
    client: Redis,
    names: RedisNames,
    *,
    bookings: BookingStore | None = None,
    booking_index: BookingIndex | None = None,
    detainers: DetainerIndex | None = None,
) -> NotifierPorts:
    return NotifierPorts(
        bookings=bookings or BookingStore(client, names, retention_seconds=RETENTION_SECONDS),
        booking_index=booking_index
        or BookingIndex(client, names, retention_seconds=RETENTION_SECONDS, clock=fixed_clock),
        detainers=detainers if detainers is not None else DetainerIndex(client, names),
        alerts=AlertStore(client, names),
        dead_letters=DeadLetterWriter(client, names, clock=fixed_clock),
        roster_reports=RosterReports(client, names),
        group=NOTIFIER_GROUP,
        clock=fixed_clock,
    )


@dataclass
class NotifierInstance:
    """One notifier's processors and ports (each instance holds its own detainer index)."""

    ports: NotifierPorts
    custody: CustodyEventProcessor
    lodges: DetainerLodgeProcessor
    reviews: AlertReviewProcessor

    @classmethod
    async def start(cls, ports: NotifierPorts) -> NotifierInstance:
        await ports.detainers.load()  # what Notifier.prepare() does before subscribing
        return cls(ports, CustodyEventProcessor(ports), DetainerLodgeProcessor(ports), AlertReviewProcessor(ports))


class Streams:
    """Reads new entries with the notifier's consumer group (created at id 0, as ``prepare`` does)."""

    def __init__(self, client: Redis, names: RedisNames) -> None:
        self._client = client
        self._names = names

    async def _new(self, stream: str) -> list[StreamEntry]:
        await ensure_consumer_group(self._client, stream, NOTIFIER_GROUP)
        reply = cast(
            list[tuple[bytes, StreamEntries]],
            await self._client.xreadgroup(NOTIFIER_GROUP, READER, {stream: ">"}, count=10_000),
        )
        return [
            StreamEntry(stream, message_id.decode(), fields) for _, entries in reply for message_id, fields in entries
        ]

    async def new_custody_events(self) -> list[StreamEntry]:
        return await self._new(self._names.custody_events)

    async def new_detainer_changes(self) -> list[StreamEntry]:
        return await self._new(self._names.detainer_changes)

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
        return None if raw is None else BookingState.model_validate_json(raw)

    async def booking(self, facility_ori: str = FACILITY, booking_number: str = BOOKING_NUMBER) -> BookingState:
        state = await self.booking_if_stored(facility_ori, booking_number)
        assert state is not None, "no booking state stored"
        return state


def without_identifiers_but(**identifiers: Any) -> dict[str, Any]:
    """Identifier overrides for ``samples.person``: only those given."""
    return {"fbi_number": None, "state_id": None, "a_number": None, **identifiers}


@pytest.fixture
async def notifier(redis_client: Redis, names: RedisNames) -> NotifierInstance:
    return await NotifierInstance.start(build_ports(redis_client, names))


@pytest.fixture
def streams(redis_client: Redis, names: RedisNames) -> Streams:
    return Streams(redis_client, names)


@pytest.fixture
def ingest_api(api: httpx.AsyncClient) -> IngestApi:
    return IngestApi(api)


@pytest.fixture
def outcome(redis_client: Redis, names: RedisNames) -> Outcome:
    return Outcome(redis_client, names)


@pytest.fixture
async def second_client(redis_url: str) -> AsyncIterator[Redis]:
    """Another connection, as a second notifier process would have."""
    client = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


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


@pytest.fixture
async def keyed_api(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The ingest API with authentication on and the ``KEYS`` above."""
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(KEYS.values()))
    async with serving(settings) as client:
        yield client
