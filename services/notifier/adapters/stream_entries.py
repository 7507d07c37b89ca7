"""Stream entries as read, before anyone interprets them.

FastStream decodes a batch as a whole: one entry written by something else
(no ``__data__`` field, bytes that are not UTF-8) makes the parser raise and
the whole batch stays pending, never delivered again. ``keep_raw_entries``
is a parser that cannot fail: handlers get every entry's id and raw fields
and decide per entry, sending what they cannot read to the dead letters.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from faststream.message import StreamMessage
from faststream.redis.message import BatchStreamMessage

from contracts import REPLAYED_FOR_GROUP_FIELD

__all__ = [
    "DATA_FIELD",
    "StreamEntry",
    "keep_raw_entries",
    "raw_entries",
    "replayed_for_another_group",
    "text_fields",
]

DATA_FIELD = b"__data__"

_PLACEHOLDER = {DATA_FIELD: b"null"}


@dataclass(frozen=True, slots=True)
class StreamEntry:
    stream: str
    message_id: str
    fields: dict[bytes, bytes]

    @property
    def data(self) -> bytes | None:
        return self.fields.get(DATA_FIELD)


async def keep_raw_entries(
    message: BatchStreamMessage,
    original_parser: Callable[[BatchStreamMessage], Awaitable[StreamMessage[Any]]],
) -> StreamMessage[Any]:
    """Let FastStream build its message (ack, ids, channel) from placeholders, keep the real entries."""
    placeholder: BatchStreamMessage = {**message, "data": [_PLACEHOLDER] * len(message["data"])}
    parsed = await original_parser(placeholder)
    parsed.raw_message = message
    return parsed


def raw_entries(message: StreamMessage[Any]) -> list[StreamEntry]:
    raw: BatchStreamMessage = message.raw_message
    return [
        StreamEntry(raw["channel"], message_id.decode(), fields)
        for message_id, fields in zip(raw["message_ids"], raw["data"], strict=True)
    ]


def text_fields(fields: dict[bytes, bytes]) -> dict[str, str]:
    """Fields as text for a dead letter; bytes that are not UTF-8 are kept as escapes."""
    return {
        key.decode("utf-8", "backslashreplace"): value.decode("utf-8", "backslashreplace")
        for key, value in fields.items()
    }


def replayed_for_another_group(entry: StreamEntry, group: str) -> bool:
    """A dead letter another consumer group failed, replayed for that group alone: ``group`` leaves it."""
    for_group = entry.fields.get(REPLAYED_FOR_GROUP_FIELD.encode())
    return for_group is not None and for_group.decode("utf-8", "replace") != group
