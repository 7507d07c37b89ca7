"""A stream entry as consumers read it: the message, its type and the channel a replay is for, or nothing."""

from __future__ import annotations

from contracts.envelope import StreamEntry
from contracts.stored_fields import EntryField


def test_an_entry_written_by_releasewatch_gives_its_message_and_type() -> None:
    entry = StreamEntry("rw:{alerts}:raised", "1763812345678-3", {b"__data__": b"{}", b"type": b"alert_raised"})

    assert (entry.data, entry.message_type, entry.replayed_for) == (b"{}", "alert_raised", None)
    assert entry.appended_ms == 1763812345678


def test_an_entry_written_by_something_else_has_neither_message_nor_type() -> None:
    entry = StreamEntry("rw:{custody}:events", "1-0", {b"payload": b"\xff not utf-8"})

    assert (entry.data, entry.message_type) == (None, None)
    assert entry.text_fields() == {"payload": "\\xff not utf-8"}


def test_a_replayed_dead_letter_names_the_channel_it_is_for() -> None:
    entry = StreamEntry("rw:{alerts}:raised", "2-0", {b"__data__": b"{}", b"for_group": b"emails", b"alert_id": b"a1"})

    assert entry.replayed_for == "emails"
    assert entry.field(EntryField.ALERT_ID) == "a1"
    assert entry.field(EntryField.EVENT_ID) is None
