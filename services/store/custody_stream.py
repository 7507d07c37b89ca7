"""The custody stream: events and rosters appended once each (``publish_events.lua``), each with a receipt
beside it, and only answered after Redis has them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from contracts import NOTIFIER_GROUP, CustodyEvent, RedisNames, RosterSubmitted
from contracts.policies import PolicyMark
from contracts.stored_fields import ReceiptField
from runtime import RedisClient
from runtime.clock import Clock, utc_now
from runtime.digests import sha256
from store.scripts import SCRIPTS

__all__ = ["BacklogFullError", "CustodyEventPublisher", "PublishOutcome", "PublishStatus", "digest_of"]


# A receipt keeps the first 128 bits of the body's SHA-256 (receipts of the former layout kept all 256, and are
# compared by their prefix): enough that two bodies sent under one facility's event id never pass for each other.
_DIGEST_CHARS = 32
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def digest_of(event: CustodyEvent) -> str:
    """The digest of an event's canonical JSON (the same body again is a replay); a receipt keeps its prefix."""
    return sha256(event.model_dump_json().encode()).hexdigest()


def _digest(payload: str) -> str:
    """What a receipt keeps of a body: the prefix of its digest."""
    return sha256(payload.encode()).hexdigest()[:_DIGEST_CHARS]


def _accepted_at(stored: bytes) -> str:
    """An answer's ``accepted_at`` (RFC 3339, UTC) from a receipt: kept as microseconds since the epoch, or as
    the text itself in receipts of the former layout."""
    text = stored.decode()
    return (_EPOCH + int(text) * _MICROSECOND).isoformat() if text.isdigit() else text


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


# Of the backlog limit, the share a batch's events may fill: the rest is room for single events and rosters, which a
# facility sends as things happen, so one source's bulk load (a state's first import, a roster's worth of events)
# never refuses another source's release notice.
_BULK_SHARE = 0.8


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

    async def publish(
        self, events: Sequence[CustodyEvent], *, mark: PolicyMark | None = None, bulk: bool = False
    ) -> list[PublishOutcome]:
        """Each event's outcome; raises ``BacklogFullError`` when the backlog has no room for a chunk's new
        events (the script measures and appends at once, so concurrent requests never overshoot it).
        ``mark``: the sharing policy's mark, published beside each event (field ``policy``). ``bulk``: a batch's
        events, which may fill the backlog only to ``bulk_limit``: the rest is kept for single events and rosters,
        so one source's bulk load never refuses another source's events as they happen."""
        outcomes: list[PublishOutcome] = []
        marked = mark.model_dump_json() if mark is not None else ""
        limit = self.bulk_limit if bulk else self._max_backlog
        for start in range(0, len(events), self._chunk_size):
            outcomes.extend(
                await self._publish_chunk(
                    events[start : start + self._chunk_size], published=len(outcomes), mark=marked, limit=limit
                )
            )
        return outcomes

    @property
    def bulk_limit(self) -> int:
        """The backlog a batch's events may fill (0: no limit): ``_BULK_SHARE`` of the whole, at least one."""
        return max(1, int(self._max_backlog * _BULK_SHARE)) if self._max_backlog else 0

    async def answered_digest(self, facility_ori: str, event_id: str, digest: str) -> PublishOutcome | None:
        """The answer given before to the facility's ``event_id``, as a retry whose body has ``digest``
        (``digest_of``) would get it: ``DUPLICATE`` for the same body, ``CONFLICT`` for another; None when it
        was never accepted."""
        receipt = cast(bytes | None, await self._client.get(self._names.custody_receipt(facility_ori, event_id)))
        if receipt is not None:
            stored, stream_id, accepted_at = receipt.split(b" ")
        else:  # a receipt of the former layout, until it expires
            former = cast(
                list[bytes | None],
                await self._client.hmget(
                    self._names.former_custody_receipt(facility_ori, event_id),
                    [ReceiptField.DIGEST.value, ReceiptField.STREAM_ID.value, ReceiptField.ACCEPTED_AT.value],
                ),
            )
            if former[0] is None or former[1] is None or former[2] is None:
                return None
            stored, stream_id, accepted_at = former[0], former[1], former[2]
        digest = digest[:_DIGEST_CHARS]
        status = PublishStatus.DUPLICATE if stored.decode()[: len(digest)] == digest else PublishStatus.CONFLICT
        return PublishOutcome(event_id, status, stream_id.decode(), _accepted_at(accepted_at))

    async def publish_roster(self, roster: RosterSubmitted) -> PublishOutcome:
        """Append a facility's roster to the custody stream (in order with its events), once per roster_id.

        Same script, same guarantees as events; the receipts of rosters are kept apart from those of
        events, so a roster_id never collides with an event_id.
        """
        sent = roster.as_sent()
        # (what a policy added travels with it; a roster without is the same bytes as ever)
        payload = roster.model_dump_json() if roster.held_by_policy or roster.releases_withheld else sent
        replies = await self._script(
            keys=[
                self._names.custody_events,
                self._names.roster_receipt(roster.facility_ori, roster.roster_id),
                self._names.former_roster_receipt(roster.facility_ori, roster.roster_id),
                self._names.legacy_roster_receipt(roster.roster_id),
            ],
            args=[
                *self._common_args(),
                roster.roster_id,
                roster.type,
                _digest(sent),  # a retry is the same roster whatever a policy makes of it by then
                payload,
                "",
            ],
        )
        ((status, stream_id, accepted_at),) = self._admitted(replies, published=0)
        return PublishOutcome(
            roster.roster_id, PublishStatus(status.decode()), stream_id.decode(), _accepted_at(accepted_at)
        )

    def _common_args(self, limit: int | None = None) -> list[str | int]:
        accepted_at = (self._clock() - _EPOCH) // _MICROSECOND  # answered in UTC, as a receipt gives it back
        return [self._receipt_ttl, accepted_at, self._max_backlog if limit is None else limit, NOTIFIER_GROUP]

    def _admitted(self, replies: list[Any], *, published: int, limit: int | None = None) -> list[Any]:
        if replies and replies[0] == b"backlog_full":
            raise BacklogFullError(int(replies[1]), self._max_backlog if limit is None else limit, published)
        return replies

    async def _publish_chunk(
        self, events: Sequence[CustodyEvent], *, published: int, mark: str, limit: int
    ) -> list[PublishOutcome]:
        keys = [self._names.custody_events]
        args: list[str | int] = self._common_args(limit)
        for event in events:
            payload = event.model_dump_json()
            keys += [
                self._names.custody_receipt(event.facility_ori, event.event_id),
                self._names.former_custody_receipt(event.facility_ori, event.event_id),
                self._names.legacy_custody_receipt(event.event_id),
            ]
            args += [event.event_id, event.type, _digest(payload), payload, mark]
        replies = self._admitted(await self._script(keys=keys, args=args), published=published, limit=limit)
        return [
            PublishOutcome(
                event.event_id, PublishStatus(status.decode()), stream_id.decode(), _accepted_at(accepted_at)
            )
            for event, (status, stream_id, accepted_at) in zip(events, replies, strict=True)
        ]
