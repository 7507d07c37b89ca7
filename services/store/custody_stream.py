"""The custody stream: events and rosters appended once each (``publish_events.lua``), each with a receipt
beside it, and only answered after Redis has them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from contracts import NOTIFIER_GROUP, CustodyEvent, RedisNames, RosterSubmitted
from contracts.policies import PolicyMark
from contracts.stored_fields import ReceiptField
from runtime import RedisClient
from runtime.clock import Clock, utc_now
from store.scripts import SCRIPTS

__all__ = ["BacklogFullError", "CustodyEventPublisher", "PublishOutcome", "PublishStatus", "digest_of"]


def digest_of(event: CustodyEvent) -> str:
    """The digest a receipt keeps of an event: of its canonical JSON (the same body again is a replay)."""
    return hashlib.sha256(event.model_dump_json().encode()).hexdigest()


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
        clock: Clock = utc_now,
    ) -> None:
        self._client = client
        self._names = names
        self._receipt_ttl = receipt_ttl_seconds
        self._max_backlog = max_backlog  # 0: no limit
        self._chunk_size = chunk_size
        self._clock = clock
        self._script = SCRIPTS.on(client, "publish_events")

    async def publish(self, events: Sequence[CustodyEvent], *, mark: PolicyMark | None = None) -> list[PublishOutcome]:
        """Each event's outcome; raises ``BacklogFullError`` when the backlog has no room for a chunk's new
        events (the script measures and appends at once, so concurrent requests never overshoot it).
        ``mark``: the sharing policy's mark, published beside each event (field ``policy``)."""
        outcomes: list[PublishOutcome] = []
        marked = mark.model_dump_json() if mark is not None else ""
        for start in range(0, len(events), self._chunk_size):
            outcomes.extend(
                await self._publish_chunk(
                    events[start : start + self._chunk_size], published=len(outcomes), mark=marked
                )
            )
        return outcomes

    async def answered_digest(self, facility_ori: str, event_id: str, digest: str) -> PublishOutcome | None:
        """The answer given before to the facility's ``event_id``, as a retry whose body has ``digest``
        (``digest_of``) would get it: ``DUPLICATE`` for the same body, ``CONFLICT`` for another; None when it
        was never accepted."""
        stored, stream_id, accepted_at = cast(
            list[bytes | None],
            await self._client.hmget(
                self._names.custody_receipt(facility_ori, event_id),
                [ReceiptField.DIGEST.value, ReceiptField.STREAM_ID.value, ReceiptField.ACCEPTED_AT.value],
            ),
        )
        if stored is None or stream_id is None or accepted_at is None:
            return None
        status = PublishStatus.DUPLICATE if stored.decode() == digest else PublishStatus.CONFLICT
        return PublishOutcome(event_id, status, stream_id.decode(), accepted_at.decode())

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
                "",
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

    async def _publish_chunk(
        self, events: Sequence[CustodyEvent], *, published: int, mark: str
    ) -> list[PublishOutcome]:
        keys = [self._names.custody_events]
        args: list[str | int] = self._common_args()
        for event in events:
            payload = event.model_dump_json()
            keys += [
                self._names.custody_receipt(event.facility_ori, event.event_id),
                self._names.legacy_custody_receipt(event.event_id),
            ]
            args += [event.event_id, event.type, hashlib.sha256(payload.encode()).hexdigest(), payload, mark]
        replies = self._admitted(await self._script(keys=keys, args=args), published=published)
        return [
            PublishOutcome(event.event_id, PublishStatus(status.decode()), stream_id.decode(), accepted_at.decode())
            for event, (status, stream_id, accepted_at) in zip(events, replies, strict=True)
        ]
