"""Stream entries as FastStream reads them, before anyone interprets them.

FastStream decodes a batch as a whole: one entry written by something else
(no ``__data__`` field, bytes that are not UTF-8) makes the parser raise and
the whole batch stays pending, never delivered again. ``keep_raw_entries``
is a parser that cannot fail: handlers get every entry's id and raw fields
(``contracts.envelope.StreamEntry``) and decide per entry, sending what they
cannot read to the dead letters. ``decode_raw_entries`` is the decoder that hands
those entries to a handler as its one argument, so the broker runs without
dependency injection (FastStream's injection ran a step of every batch in a
worker thread: a thread hop per batch, most of a lone event's cost). ``StreamSettings`` are a subscriber's
stream settings that FastStream reads without copying them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Self

from faststream.message import StreamMessage
from faststream.redis import StreamSub
from faststream.redis.message import BatchStreamMessage

from contracts.envelope import StreamEntry
from contracts.stored_fields import EntryField

__all__ = ["StreamSettings", "decode_raw_entries", "keep_raw_entries", "raw_entries"]

_PLACEHOLDER = {EntryField.DATA.encode(): b"null"}


async def keep_raw_entries(
    message: BatchStreamMessage,
    original_parser: Callable[[BatchStreamMessage], Awaitable[StreamMessage[Any]]],
) -> StreamMessage[Any]:
    """Let FastStream build its message (ack, ids, channel) from a placeholder, keep the real entries. One
    placeholder entry, whatever the batch's size: FastStream parses each entry it is given (about 8 us an entry,
    a batch of 500 parsed for nothing), and nothing reads its body (handlers take the raw entries; they ack)."""
    placeholder: BatchStreamMessage = {**message, "data": [_PLACEHOLDER]}
    parsed = await original_parser(placeholder)
    parsed.raw_message = message
    return parsed


def raw_entries(message: StreamMessage[Any]) -> list[StreamEntry]:
    raw: BatchStreamMessage = message.raw_message
    return [
        StreamEntry(raw["channel"], message_id.decode(), fields)
        for message_id, fields in zip(raw["message_ids"], raw["data"], strict=True)
    ]


async def decode_raw_entries(message: StreamMessage[Any]) -> list[StreamEntry]:
    """The batch's entries as a handler takes them (a decoder: the broker calls the handler with its result)."""
    return raw_entries(message)


class StreamSettings(StreamSub[Any]):
    """A subscriber's ``StreamSub``. FastStream reads the settings again at every read of the stream, each time
    as ``add_prefix(broker's prefix)``: a deep copy with the prefix before the stream's name (8 us, a few times a
    read, every subscriber). With no prefix (the notifier's broker has none) the copy would be these very
    settings, and nothing changes what it reads: they are handed as they are."""

    __slots__ = ()

    def add_prefix(self, prefix: str) -> Self:
        return self if not prefix else super().add_prefix(prefix)
