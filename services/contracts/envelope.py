"""How a message sits in a stream entry (the envelope), and an entry as a consumer reads it.

Every stream releasewatch writes holds one message per entry: the message as JSON in ``__data__`` and its
``type`` beside it, with the ids it is about (see ``EntryField``). Consumers read entries raw and decide
per entry: an entry written by something else (no ``__data__``, bytes that are not UTF-8) is one entry to
dead-letter, never a whole batch lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.stored_fields import EntryField

__all__ = ["StreamEntry"]

_DATA = EntryField.DATA.encode()
_TYPE = EntryField.TYPE.encode()
_FOR_GROUP = EntryField.FOR_GROUP.encode()
_NAMES = {name: name.encode() for name in EntryField}  # each field's name as an entry holds it


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One entry as read: its stream, its id and its fields, uninterpreted."""

    stream: str
    message_id: str
    fields: dict[bytes, bytes]

    def __init__(self, stream: str, message_id: str, fields: dict[bytes, bytes]) -> None:
        # What the generated one does, each slot set through its descriptor rather than object.__setattr__ (a
        # frozen dataclass's way round its own __setattr__): half the cost, once an entry read.
        _set_stream(self, stream)
        _set_message_id(self, message_id)
        _set_fields(self, fields)

    @property
    def data(self) -> bytes | None:
        """The message JSON; None when the entry has no ``__data__`` field."""
        return self.fields.get(_DATA)

    @property
    def message_type(self) -> str | None:
        """The message's type as the writer put it beside the message; None when it did not."""
        raw = self.fields.get(_TYPE)
        return None if raw is None else raw.decode("utf-8", "replace")

    @property
    def replayed_for(self) -> str | None:
        """The one consumer group a dead letter replayed onto this stream is for; None for any other entry."""
        raw = self.fields.get(_FOR_GROUP)
        return None if raw is None else raw.decode("utf-8", "replace")

    def field(self, name: EntryField) -> str | None:
        """Another field of the entry, as text (None when absent)."""
        raw = self.fields.get(_NAMES[name])
        return None if raw is None else raw.decode("utf-8", "replace")

    @property
    def appended_ms(self) -> int:
        """When the entry was appended: the time part of its id (ms since the epoch)."""
        return int(self.message_id.split("-", 1)[0])

    def text_fields(self) -> dict[str, str]:
        """Every field as text (bytes that are not UTF-8 kept as escapes), e.g. for a dead letter."""
        return {
            key.decode("utf-8", "backslashreplace"): value.decode("utf-8", "backslashreplace")
            for key, value in self.fields.items()
        }


_set_stream, _set_message_id, _set_fields = (
    StreamEntry.__dict__[name].__set__ for name in ("stream", "message_id", "fields")
)
