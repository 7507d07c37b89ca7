"""The alert stream, read once per ingest process and fanned out to every open live feed.

One task per process reads ``rw:{alerts}:raised`` with ``XREAD BLOCK`` (no consumer group: every
viewer sees every message), holding one Redis connection however many pages are open, and hands
each message to the subscribers of its office. A subscriber starts after a stream id: it first
reads what it missed with ``XRANGE`` (the reconnecting browser's ``Last-Event-ID``), then takes the
live messages, skipping any it already sent. A subscriber too slow to keep up is not cut off: its
queue is dropped and it catches up from the stream again.

Why there is no gap: a subscriber registers before it reads what it missed, and the reader has
fixed its position before that read; so a message is either in the stream when the subscriber
reads it, or appended later and read by the reader after the subscriber registered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Final, cast

from pydantic import Field, TypeAdapter, ValidationError
from redis.exceptions import RedisError

from contracts import REPLAYED_FOR_GROUP_FIELD, AlertNotice, AlertRaised, AlertUpdated, OfficerAction
from ingest.stream_ids import exclusive_after
from runtime import RedisClient

__all__ = ["AlertFeed", "FeedMessage", "Subscription", "stream_id_key"]

log = logging.getLogger(__name__)

_READ_COUNT = 500  # stream entries per read, live and catching up
_QUEUE_SIZE = 1000  # messages waiting for one subscriber before it falls back to catching up
_RETRY_AFTER_ERROR_SECONDS = 1.0
# Everything that happens to an office's alerts: what the channels deliver, and what people at the office did.
_FED_TYPES = frozenset(
    {
        "alert_raised",
        "alert_reminded",
        "alert_escalated",
        "alert_updated",
        "alert_acknowledged",
        "alert_resolved",
        "alert_reviewed",
    }
)
_FedMessage = AlertRaised | AlertNotice | AlertUpdated | OfficerAction
_messages: TypeAdapter[_FedMessage] = TypeAdapter(Annotated[_FedMessage, Field(discriminator="type")])


_Entries = list[tuple[bytes, dict[bytes, bytes]]]


def stream_id_key(stream_id: str) -> tuple[int, int]:
    """A stream id (``<ms>-<seq>``) as something that sorts like the stream."""
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass(frozen=True, slots=True)
class FeedMessage:
    """One alert stream message, as a live feed sends it."""

    stream_id: str
    type: str  # alert_raised, alert_reminded, alert_escalated, alert_updated, alert_acknowledged, ...
    field_office: str
    data: str  # the message JSON, as the notifier wrote it and the webhooks carry it


def _message_of(stream_id: bytes, fields: dict[bytes, bytes]) -> FeedMessage | None:
    """The message of one entry; None for an entry that is not an alert message a feed shows."""
    entry_id = stream_id.decode()
    kind = fields.get(b"type", b"").decode("utf-8", "replace")
    data = fields.get(b"__data__")
    if kind not in _FED_TYPES or data is None:
        return None
    if REPLAYED_FOR_GROUP_FIELD.encode() in fields:
        return None  # a dead letter replayed for the one channel that failed it: the feed showed it already
    try:
        message = _messages.validate_json(data, extra="ignore")
    except ValidationError:
        log.warning("unreadable alert stream entry left off the live feeds", extra={"message_id": entry_id})
        return None
    return FeedMessage(entry_id, kind, message.alert.field_office, data.decode())


_CLOSED: Final = object()


class Subscription:
    """What one open feed receives: the messages after ``after`` for ``field_office`` (None: all)."""

    def __init__(self, feed: AlertFeed, *, after: str, field_office: str | None) -> None:
        self._feed = feed
        self.field_office = field_office
        self._last_sent = after
        self._catching_up = True
        self._queue: asyncio.Queue[Any] = asyncio.Queue(_QUEUE_SIZE)
        self._ended = False

    def wants(self, message: FeedMessage) -> bool:
        return self.field_office is None or message.field_office == self.field_office

    def offer(self, message: FeedMessage) -> None:
        """From the reader: queue the message, or fall back to catching up when the queue is full."""
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self._drain()
            self._catching_up = True
            log.info("live feed fell behind; catching up from the stream", extra={"field_office": self.field_office})

    def close(self) -> None:
        self._ended = True
        self._drain()
        self._queue.put_nowait(_CLOSED)

    def _drain(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()

    async def next_messages(self, *, wait_seconds: float) -> list[FeedMessage] | None:
        """The next messages, oldest first; [] when none came within ``wait_seconds``; None once the
        feed is closed (the process is stopping)."""
        if self._ended:
            return None
        while self._catching_up:
            missed, self._last_sent, complete = await self._feed.read_after(self._last_sent)
            self._catching_up = not complete
            wanted = [message for message in missed if self.wants(message)]
            if wanted:
                return wanted
        try:
            async with asyncio.timeout(wait_seconds):
                item = await self._queue.get()
        except TimeoutError:
            return []
        if item is _CLOSED:
            return None
        message: FeedMessage = item
        if stream_id_key(message.stream_id) <= stream_id_key(self._last_sent):
            return []  # read while catching up already
        self._last_sent = message.stream_id
        return [message]


class AlertFeed:
    """The alert stream for live feeds: one blocking reader per process, started by the first
    subscriber and ending after the last one leaves."""

    def __init__(self, client: RedisClient, stream: str, *, block_ms: int) -> None:
        self._client = client
        self._stream = stream
        self._block_ms = block_ms
        self._subscribers: set[Subscription] = set()
        self._reader: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self._closed = False

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    @property
    def reading(self) -> bool:
        return self._reader is not None and not self._reader.done()

    async def tail_id(self) -> str:
        """The id of the newest entry in the stream ("0-0" when it is empty): "now", as a position."""
        newest = cast(_Entries, await self._client.xrevrange(self._stream, "+", "-", count=1))
        return newest[0][0].decode() if newest else "0-0"

    async def read_after(self, stream_id: str) -> tuple[list[FeedMessage], str, bool]:
        """One read's worth of messages after ``stream_id``: the messages, the position reached (past
        entries no feed shows, too) and whether that was the end of the stream."""
        lower = exclusive_after(stream_id)
        if lower is None:
            return [], stream_id, True  # nothing can come after the last possible id
        entries = cast(_Entries, await self._client.xrange(self._stream, lower, "+", count=_READ_COUNT))
        messages = [message for entry_id, fields in entries if (message := _message_of(entry_id, fields))]
        reached = entries[-1][0].decode() if entries else stream_id
        return messages, reached, len(entries) < _READ_COUNT

    @asynccontextmanager
    async def subscribe(self, *, after: str, field_office: str | None) -> AsyncIterator[Subscription]:
        """Receive the messages after ``after`` (a stream id) for ``field_office`` (None: every office)."""
        subscription = Subscription(self, after=after, field_office=field_office)
        if self._closed:
            subscription.close()
        self._subscribers.add(subscription)
        try:
            await self._ensure_reader()
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    async def _ensure_reader(self) -> None:
        async with self._starting:
            if self._closed or self.reading:
                return
            position = await self.tail_id()
            self._reader = asyncio.create_task(self._read(position), name="alert-feed-reader")

    async def _read(self, position: str) -> None:
        while self._subscribers and not self._closed:
            try:
                reply = cast(
                    list[tuple[bytes, _Entries]] | None,
                    await self._client.xread({self._stream: position}, count=_READ_COUNT, block=self._block_ms),
                )
            except (RedisError, OSError) as error:
                log.warning("reading the alert stream for live feeds failed", extra={"error": type(error).__name__})
                await asyncio.sleep(_RETRY_AFTER_ERROR_SECONDS)
                continue
            for _stream, entries in reply or ():
                for entry_id, fields in entries:
                    position = entry_id.decode()
                    message = _message_of(entry_id, fields)
                    if message is None:
                        continue
                    for subscription in tuple(self._subscribers):
                        if subscription.wants(message):
                            subscription.offer(message)

    async def close(self) -> None:
        """End every open feed and the reader (the process is stopping)."""
        self._close_now()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None

    def _close_now(self) -> None:
        self._closed = True
        for subscription in tuple(self._subscribers):
            subscription.close()
        if self._reader is not None:
            self._reader.cancel()
