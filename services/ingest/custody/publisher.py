"""Publishing custody events and rosters to the stream: once each, and only answered after Redis has them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from importlib.resources import files

from contracts import CustodyEvent, RedisNames, RosterSubmitted
from runtime import RedisClient

__all__ = ["CustodyEventPublisher", "PublishOutcome", "PublishStatus"]

_PUBLISH_SCRIPT = (files(__package__) / "publish_events.lua").read_text()


class PublishStatus(StrEnum):
    ACCEPTED = "accepted"  # appended to the stream by this call
    DUPLICATE = "duplicate"  # the same event was accepted before; the original answer stands
    CONFLICT = "conflict"  # a different event was accepted under this event_id


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    event_id: str
    status: PublishStatus
    stream_id: str
    accepted_at: str


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CustodyEventPublisher:
    """Appends events to the custody stream through one atomic script per chunk.

    The receipt of each accepted event (digest of its canonical JSON, stream
    id, time accepted) lives beside the stream under the same hash tag, so a
    retry is recognised and answered with the original result, and a
    different body under a facility's used event_id is refused, even when two
    retries race. Receipts are per facility: another facility's event of the
    same id is another event.
    """

    def __init__(
        self,
        client: RedisClient,
        names: RedisNames,
        *,
        receipt_ttl_seconds: int,
        chunk_size: int = 500,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client = client
        self._names = names
        self._receipt_ttl = receipt_ttl_seconds
        self._chunk_size = chunk_size
        self._clock = clock
        self._script = client.register_script(_PUBLISH_SCRIPT)

    async def publish(self, events: Sequence[CustodyEvent]) -> list[PublishOutcome]:
        outcomes: list[PublishOutcome] = []
        for start in range(0, len(events), self._chunk_size):
            outcomes.extend(await self._publish_chunk(events[start : start + self._chunk_size]))
        return outcomes

    async def publish_roster(self, roster: RosterSubmitted) -> PublishOutcome:
        """Append a facility's roster to the custody stream (in order with its events), once per roster_id.

        Same script, same guarantees as events; the receipts of rosters are kept apart from those of
        events, so a roster_id never collides with an event_id.
        """
        payload = roster.model_dump_json()
        ((status, stream_id, accepted_at),) = await self._script(
            keys=[
                self._names.custody_events,
                self._names.roster_receipt(roster.facility_ori, roster.roster_id),
                self._names.legacy_roster_receipt(roster.roster_id),
            ],
            args=[
                self._receipt_ttl,
                self._clock().isoformat(),
                roster.roster_id,
                roster.type,
                hashlib.sha256(payload.encode()).hexdigest(),
                payload,
            ],
        )
        return PublishOutcome(
            roster.roster_id, PublishStatus(status.decode()), stream_id.decode(), accepted_at.decode()
        )

    async def _publish_chunk(self, events: Sequence[CustodyEvent]) -> list[PublishOutcome]:
        keys = [self._names.custody_events]
        args: list[str | int] = [self._receipt_ttl, self._clock().isoformat()]
        for event in events:
            payload = event.model_dump_json()
            keys += [
                self._names.custody_receipt(event.facility_ori, event.event_id),
                self._names.legacy_custody_receipt(event.event_id),
            ]
            args += [event.event_id, event.type, hashlib.sha256(payload.encode()).hexdigest(), payload]
        replies = await self._script(keys=keys, args=args)
        return [
            PublishOutcome(event.event_id, PublishStatus(status.decode()), stream_id.decode(), accepted_at.decode())
            for event, (status, stream_id, accepted_at) in zip(events, replies, strict=True)
        ]
