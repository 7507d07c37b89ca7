"""A custody stream entry as the notifier reads it: the event as the contracts' adapter validates it (unknown
fields ignored), or why not, naming the field and never the input; the policy mark beside it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts import custody_event_adapter
from contracts.envelope import StreamEntry
from contracts.stored_fields import EntryField
from notifier.handlers.reading import UnreadableEntryError, read_custody_stream_entry, read_policy_mark
from tests import samples


def entry(fields: dict[str, Any]) -> StreamEntry:
    return StreamEntry("custody", "1764000000000-0", {k.encode(): v.encode() for k, v in fields.items()})


@pytest.mark.parametrize("kind", sorted(samples.EVENT_BUILDERS))
def test_an_event_reads_as_the_adapter_validates_it(kind: str) -> None:
    body = json.dumps({**samples.EVENT_BUILDERS[kind](), "added_later": 1})
    read = read_custody_stream_entry(entry({"__data__": body, "type": kind}))
    assert read == custody_event_adapter.validate_json(body, extra="ignore")
    assert type(read) is type(custody_event_adapter.validate_json(body, extra="ignore"))


def test_an_invalid_event_names_the_field_and_not_the_input() -> None:
    body = json.dumps(samples.booking(booking_number="NOT VALID"))
    with pytest.raises(UnreadableEntryError) as refused:
        read_custody_stream_entry(entry({"__data__": body, "type": "booking"}))
    assert str(refused.value).startswith("not a valid custody event: booking.booking_number")
    assert "NOT VALID" not in str(refused.value)


def test_an_entry_without_a_message_is_not_from_ingest() -> None:
    with pytest.raises(UnreadableEntryError, match="not written by releasewatch ingest"):
        read_custody_stream_entry(entry({"type": "booking"}))


def test_the_policy_mark_is_read_from_its_own_field() -> None:
    body = json.dumps(samples.booking())
    assert read_policy_mark(entry({"__data__": body, "type": "booking"})) is None
    marked = entry({"__data__": body, "type": "booking", EntryField.POLICY: "{}"})
    with pytest.raises(UnreadableEntryError, match="not a valid policy mark"):
        read_policy_mark(marked)
    assert marked.field(EntryField.POLICY) == "{}"
    assert marked.field(EntryField.TYPE) == "booking"
    assert marked.field(EntryField.ALERT_ID) is None
