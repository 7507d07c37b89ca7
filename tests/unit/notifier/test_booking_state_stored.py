"""A booking's state as the store keeps it: its JSON without defaults, compressed behind a format marker, reads
back as the very state that was saved; states saved in the former formats (deflated, marker 1; plain JSON) are
read as they are."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import pytest
import zstandard

from notifier.domain.custody import BookingState, RetractedRelease, stored_person
from store.bookings import _STATE_WORDS_1, STATE_FORMAT
from store.compact_json import CompactJson, DeflatedJson, ZstdJson
from tests import samples
from tests.unit.notifier.builders import at, empty, event, fold


def stored(state: BookingState | bytes) -> bytes:
    """What the store writes for ``state`` (``BookingStore.save_many``), or for its JSON."""
    return STATE_FORMAT.encode(state if isinstance(state, bytes) else state.model_dump_json(exclude_defaults=True))


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
    withdrawn = RetractedRelease(
        released_at=at("2026-11-22T06:00:00-08:00"),
        roster_id="roster-1122",
        held_at=at("2026-11-23T06:00:00-08:00"),
        event_id="roster-1123",
    )
    return state.model_copy(
        update={
            "release_withheld_by": "no-releases",
            "in_custody_notice": False,
            "schedule_withheld_by": "quiet",
            "listed_at": withdrawn.held_at,
            "releases_retracted": (withdrawn,),
            "inferred_release_replaced": "roster-1121",
        }
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

    assert raw[:1] == b"\x02"
    assert len(raw) * 3 < len(state.model_dump_json())


def test_a_state_saved_as_plain_json_before_the_format_is_read_as_it_is() -> None:
    state = every_fact()

    assert read(state.model_dump_json().encode()) == state


def test_a_record_of_another_format_or_cut_short_is_refused_not_misread() -> None:
    raw = stored(every_fact())

    with pytest.raises(ValueError, match="marker"):
        read(b"\x03" + raw[1:])
    with pytest.raises(ValueError, match="cut short"):
        read(raw[:-8])


@pytest.mark.parametrize("kind", [DeflatedJson, ZstdJson])
def test_a_format_marker_is_one_byte_and_never_the_start_of_plain_json(kind: type[DeflatedJson | ZstdJson]) -> None:
    with pytest.raises(ValueError, match="one byte"):
        kind(b"{", b"")
    with pytest.raises(ValueError, match="one byte"):
        kind(b"\x01\x02", b"")


def test_two_formats_read_by_one_reader_have_markers_of_their_own() -> None:
    with pytest.raises(ValueError, match="one marker"):
        CompactJson(ZstdJson(b"\x02", b"words"), DeflatedJson(b"\x02", b"words"))


# A booked state as the store wrote it, deflated against the words (marker 1: records already in Redis).
BOOKED_JSON = (
    '{"facility_ori":"CA0194200","booking_number":"2026-004512","person":{"last_name":"GARCIA LOPEZ",'
    '"first_name":"JOSE","date_of_birth":"1990-04-17","sex":"M","a_number":"A012345678"},'
    '"person_stamp":["2026-11-20T08:15:00-08:00",0,"evt-0001"],"booked_at":"2026-11-20T08:15:00-08:00",'
    '"charges_stamp":["2026-11-20T08:15:00-08:00",0,"evt-0001"]}'
)
BOOKED_STORED = bytes.fromhex(
    "018dd23b0a80301004d0ab88fdc2ec9ac44f17828822286a25780b5bef6ed2f98960b7cdb0f3605e3467c1a51220661488214069964f"
    "6e6327d7daa41fc67a7dd2bb61aea3da1204459cdfac57175832a54d5ec481be1633091614156bcf257f0403c20e76df199c6e4ffc6"
    "7ea3d81bf2f8e13"
)


# The same state as the store writes it now: zstd against the same words (marker 2).
BOOKED_STORED_2 = bytes.fromhex(
    "020000ad03004245121a7049d401bcd37302806642051ac5b1d21a77dc86623afd7f08018d05a0ff314ee7fb449ace89f1da2b784c21"
    "19c06e7af98d18a21114ccd00a871aac83126049fe151c1f1375b5020e00cd508201e141d605002ce40512ecd1824b3645b6c6adb7"
    "1d316e5ff61b92e4b6f8b3d1e79d0d10"
)

DEFLATED = DeflatedJson(b"\x01", _STATE_WORDS_1)  # the format of marker 1, as the store reads it


@pytest.mark.parametrize("raw", [BOOKED_STORED, BOOKED_STORED_2], ids=["deflated (marker 1)", "zstd (marker 2)"])
def test_a_record_stored_in_either_format_reads_as_it_was_written(raw: bytes) -> None:
    assert STATE_FORMAT.decode(raw) == BOOKED_JSON.encode()
    assert read(raw).booking_number == "2026-004512"


def test_a_state_is_written_in_the_format_of_marker_2() -> None:
    assert STATE_FORMAT.encode(BOOKED_JSON) == BOOKED_STORED_2


def test_a_state_read_in_the_former_format_is_written_in_the_current_one_as_the_same_state() -> None:
    state = read(BOOKED_STORED)

    raw = stored(state)

    assert raw[:1] == b"\x02"
    assert read(raw) == state


def test_each_record_is_compressed_as_by_a_compressor_set_up_for_it_alone() -> None:
    states = [every_fact(), empty(), fold(event("booking")), fold(event("booking"), event("release"))]
    for state in [*states, *reversed(states)]:  # one record after another, and each again after the others
        text = state.model_dump_json(exclude_defaults=True)
        alone = zlib.compressobj(9, zlib.DEFLATED, -12, 4, zdict=_STATE_WORDS_1)

        assert stored(state) == ZstdJson(b"\x02", _STATE_WORDS_1).encode(text.encode())
        assert DEFLATED.encode(text.encode()) == b"\x01" + alone.compress(text.encode()) + alone.flush()
    assert DEFLATED.encode(BOOKED_JSON.encode()) == BOOKED_STORED


def test_a_record_of_json_bytes_is_the_record_of_its_text() -> None:
    assert STATE_FORMAT.encode(BOOKED_JSON.encode()) == STATE_FORMAT.encode(BOOKED_JSON)
    for state in [every_fact(), empty(), fold(event("booking"), event("release"))]:
        assert STATE_FORMAT.encode(state.stored_json()) == stored(state)


def deflated_in_full(raw: bytes) -> bytes | str:
    """What reading a record gave when it also flushed the decompressor: the JSON, or why not."""
    decompressor = zlib.decompressobj(-15, zdict=_STATE_WORDS_1)
    try:
        json_data = decompressor.decompress(raw[1:]) + decompressor.flush()
    except zlib.error:
        return "corrupt"
    return json_data if decompressor.eof else "cut short"


def zstd_in_full(raw: bytes) -> bytes | str:
    """What reading a zstd record gave when its whole frame was asked for at once: the JSON, or why not."""
    words = zstandard.ZstdCompressionDict(_STATE_WORDS_1, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    decompressor = zstandard.ZstdDecompressor(dict_data=words, format=zstandard.FORMAT_ZSTD1_MAGICLESS)
    try:
        return decompressor.decompress(raw[1:], max_output_size=1 << 20)
    except zstandard.ZstdError as error:
        return "cut short" if "full frame" in str(error) or "content size" in str(error) else "corrupt"


@pytest.mark.parametrize(
    ("encode", "in_full"), [(DEFLATED.encode, deflated_in_full), (stored, zstd_in_full)], ids=["deflated", "zstd"]
)
def test_a_record_cut_anywhere_or_followed_by_more_reads_as_when_the_decompressor_was_flushed(
    encode: Callable[[bytes], bytes], in_full: Callable[[bytes], bytes | str]
) -> None:
    for state in [every_fact(), empty(), fold(event("booking"), event("release"))]:
        raw = encode(state.stored_json())
        for record in [*(raw[:end] for end in range(2, len(raw) + 1)), raw + b"\x00", raw + raw[1:]]:
            try:
                ours: bytes | str = STATE_FORMAT.decode(record)
            except (zlib.error, zstandard.ZstdError):
                ours = "corrupt"
            except ValueError as error:
                ours = "cut short" if "cut short" in str(error) else str(error)
            assert ours == in_full(record), (len(raw), len(record))
        assert STATE_FORMAT.decode(raw) == state.stored_json()


def test_a_stored_states_person_is_read_alone_as_the_whole_state_reads_it() -> None:
    """A lodge's first look at the bookings it finds reads their people only (``stored_person``)."""
    state = every_fact()
    assert state.person is not None

    assert stored_person(STATE_FORMAT.decode(stored(state))) == state.person == read(stored(state)).person
    assert stored_person(STATE_FORMAT.decode(stored(empty()))) is None
