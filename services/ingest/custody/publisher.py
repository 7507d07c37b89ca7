"""Publishing custody events and rosters to the stream: once each, and only answered after Redis has them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from importlib.resources import files
from typing import Any

from contracts import NOTIFIER_GROUP, CustodyEvent, RedisNames, RosterSubmitted
from runtime import RedisClient

__all__ = ["BacklogFullError", "CustodyEventPublisher", "PublishOutcome", "PublishStatus"]

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


class BacklogFullError(Exception):
    """The notifiers are too far behind: the events of this call were not appended (those of earlier
    chunks of the same call, ``published``, were)."""

    def __init__(self, waiting: int, limit: int, published: int) -> None:
        super().__init__(f"{waiting} events are waiting to be processed (limit {limit})")
        self.waiting = waiting
        self.limit = limit
        self.published = published


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
        max_backlog: int = 0,
        chunk_size: int = 500,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client = client
        self._names = names
        self._receipt_ttl = receipt_ttl_seconds
        self._max_backlog = max_backlog  # 0: no limit
        self._chunk_size = chunk_size
        self._clock = clock
        self._script = client.register_script(_PUBLISH_SCRIPT)

    async def publish(self, events: Sequence[CustodyEvent]) -> list[PublishOutcome]:
        """Each event's outcome; raises ``BacklogFullError`` when the backlog has no room for a chunk's new
        events (the script measures and appends at once, so concurrent requests never overshoot it)."""
        outcomes: list[PublishOutcome] = []
        for start in range(0, len(events), self._chunk_size):
            outcomes.extend(
                await self._publish_chunk(events[start : start + self._chunk_size], published=len(outcomes))
            )
        return outcomes

    async def publish_roster(self, roster: RosterSubmitted) -> PublishOutcome:
        """Append a facility's roster to the custody stream (in order with its events), once per roster_id.

        Same script, same guarantees as events; the receipts of rosters are kept apart from those of
        events, so a roster_id never collides with an event_id.
        """
        payload = roster.model_dump_json()
        replies = await self._script(
            keys=[
                self._names.custody_events,
                self._names.roster_receipt(roster.facility_ori, roster.roster_id),
                self._names.legacy_roster_receipt(roster.roster_id),
            ],
            args=[
                *self._common_args(),
                roster.roster_id,
                roster.type,
                hashlib.sha256(payload.encode()).hexdigest(),
                payload,
            ],
        )
        ((status, stream_id, accepted_at),) = self._admitted(replies, published=0)
        return PublishOutcome(
            roster.roster_id, PublishStatus(status.decode()), stream_id.decode(), accepted_at.decode()
        )

    def _common_args(self) -> list[str | int]:
        return [self._receipt_ttl, self._clock().isoformat(), self._max_backlog, NOTIFIER_GROUP]

    def _admitted(self, replies: list[Any], *, published: int) -> list[Any]:
        if replies and replies[0] == b"backlog_full":
            raise BacklogFullError(int(replies[1]), self._max_backlog, published)
        return replies

    async def _publish_chunk(self, events: Sequence[CustodyEvent], *, published: int) -> list[PublishOutcome]:
        keys = [self._names.custody_events]
        args: list[str | int] = self._common_args()
        for event in events:
            payload = event.model_dump_json()
            keys += [
                self._names.custody_receipt(event.facility_ori, event.event_id),
                self._names.legacy_custody_receipt(event.event_id),
            ]
            args += [event.event_id, event.type, hashlib.sha256(payload.encode()).hexdigest(), payload]
        replies = self._admitted(await self._script(keys=keys, args=args), published=published)
        return [
            PublishOutcome(event.event_id, PublishStatus(status.decode()), stream_id.decode(), accepted_at.decode())
            for event, (status, stream_id, accepted_at) in zip(events, replies, strict=True)
        ]
