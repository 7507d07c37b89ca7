"""A booking's state as the store keeps it: its JSON without defaults, deflated behind a format marker, reads back
as the very state that was saved; plain JSON saved before the format is read as it is."""

from __future__ import annotations

import pytest

from notifier.domain.custody import BookingState
from store.bookings import STATE_FORMAT
from store.compact_json import CompactJson
from tests import samples
from tests.unit.notifier.builders import empty, event, fold


def stored(state: BookingState) -> bytes:
    """What the store writes for ``state`` (``BookingStore.save_many``)."""
    return STATE_FORMAT.encode(state.model_dump_json(exclude_defaults=True))


def read(raw: bytes) -> BookingState:
    """What the store reads back (``BookingStore.load_many``)."""
    return BookingState.model_validate_json(STATE_FORMAT.decode(raw))


def every_fact() -> BookingState:
    """A state with every field away from its default: two schedules, a cancellation, charges, a transfer, a
    release, the marks of a sharing policy."""
    state = fold(
        event("booking", person=samples.person(as_sent={"/a_number": "A-012-345-678"})),
        event("booking_updated"),
        event("release_scheduled"),
        event("release_cancelled"),
        event(
            "release_scheduled",
            event_id="evt-0009",
            occurred_at="2026-11-21T13:00:00-08:00",
            scheduled_release_at="2026-11-25T09:00:00-08:00",
        ),
        event("transfer"),
        event("release"),
    )
    return state.model_copy(
        update={"release_withheld_by": "no-releases", "in_custody_notice": False, "schedule_withheld_by": "quiet"}
    )


@pytest.mark.parametrize(
    "state",
    [
        every_fact(),
        empty(),
        fold(event("booking")),
        fold(event("booking"), event("release_scheduled"), event("release")),
        fold(event("booking")).model_copy(update={"in_custody_notice": True}),
    ],
    ids=["every fact", "never booked", "booked", "released", "notice allowed"],
)
def test_a_stored_state_reads_back_as_the_state_saved(state: BookingState) -> None:
    assert read(stored(state)) == state


def test_a_state_with_every_fact_keeps_them_all() -> None:
    state = every_fact()
    fields_at_their_default = [
        name for name, info in BookingState.model_fields.items() if getattr(state, name) == info.default
    ]
    assert fields_at_their_default == []
    assert state.person is not None
    assert state.person.as_sent == {"/a_number": "A-012-345-678"}

    assert read(stored(state)) == state


def test_a_state_is_stored_in_a_fraction_of_its_json() -> None:
    state = fold(event("booking"), event("release_scheduled"))

    raw = stored(state)

    assert raw[:1] == b"\x01"
    assert len(raw) * 3 < len(state.model_dump_json())


def test_a_state_saved_as_plain_json_before_the_format_is_read_as_it_is() -> None:
    state = every_fact()

    assert read(state.model_dump_json().encode()) == state


def test_a_record_of_another_format_or_cut_short_is_refused_not_misread() -> None:
    raw = stored(every_fact())

    with pytest.raises(ValueError, match="marker"):
        read(b"\x02" + raw[1:])
    with pytest.raises(ValueError, match="cut short"):
        read(raw[:-8])


def test_a_format_marker_is_one_byte_and_never_the_start_of_plain_json() -> None:
    with pytest.raises(ValueError, match="one byte"):
        CompactJson(b"{", b"")
    with pytest.raises(ValueError, match="one byte"):
        CompactJson(b"\x01\x02", b"")
