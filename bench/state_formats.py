"""Booking states: bytes and encode/decode time of each candidate stored format, on the same states.

The states are those of the memory benchmark's feed (bookings, and for every fifth person a release schedule and
a release), folded as the notifier folds them. Each candidate must read back as the very state it was given. The
notifier decodes and encodes every state a batch touches, so a format is judged by bytes AND microseconds.
msgpack (``ormsgpack``) is measured when installed (it is not a dependency): ``uv pip install ormsgpack`` first to
see it.

    python -m bench.state_formats
"""

from __future__ import annotations

import importlib
import statistics
import time
import zlib
from collections.abc import Callable
from typing import Any

import zstandard

from bench.data import feed
from notifier.domain.custody import BookingState, apply_event
from store.bookings import _STATE_WORDS_1, STATE_FORMAT
from store.compact_json import DeflatedJson

__all__ = ["Measured", "main", "measure_formats", "states"]

Encode = Callable[[BookingState], bytes]
Decode = Callable[[bytes], BookingState]
Measured = tuple[str, float, int, float, float]  # name, mean bytes, most bytes, µs to encode, µs to decode

_DEFLATED = DeflatedJson(b"\x01", _STATE_WORDS_1)  # the format of marker 1, as the store reads it


def states(events: int = 14_000) -> list[BookingState]:
    folded: dict[tuple[str, str], BookingState] = {}
    for event in feed(events, run="formats"):
        key = event.booking_key
        folded[key] = apply_event(folded.get(key) or BookingState.empty(*key), event)
    return list(folded.values())


def _microseconds(work: Callable[[Any], object], items: list[Any]) -> float:
    started = time.perf_counter()
    for item in items:
        work(item)
    return (time.perf_counter() - started) / len(items) * 1e6


def _without_defaults(state: BookingState) -> bytes:
    return state.model_dump_json(exclude_defaults=True).encode()


def _candidates() -> list[tuple[str, Encode, Decode]]:
    read = BookingState.model_validate_json
    candidates: list[tuple[str, Encode, Decode]] = [
        ("JSON (the former format)", lambda s: s.model_dump_json().encode(), read),
        ("JSON without defaults", _without_defaults, read),
        (
            "zlib of JSON without defaults",
            lambda s: zlib.compress(_without_defaults(s)),
            lambda b: read(zlib.decompress(b)),
        ),
        (
            "deflate of it against the words (marker 1, read)",
            lambda s: _DEFLATED.encode(_without_defaults(s)),
            lambda b: read(_DEFLATED.decode(b)),
        ),
        (
            "zstd of it against the words (marker 2, stored)",
            lambda s: STATE_FORMAT.encode(s.stored_json()),
            lambda b: read(STATE_FORMAT.decode(b)),
        ),
    ]
    try:
        ormsgpack = importlib.import_module("ormsgpack")
        candidates.append(
            (
                "msgpack (ormsgpack) without defaults",
                lambda s: ormsgpack.packb(s.model_dump(mode="json", exclude_defaults=True)),
                lambda b: BookingState.model_validate(ormsgpack.unpackb(b), strict=False),
            )
        )
    except ImportError:
        pass
    plain_c, plain_d = zstandard.ZstdCompressor(write_checksum=False), zstandard.ZstdDecompressor()
    candidates.append(
        (
            "zstd of JSON without defaults",
            lambda s: plain_c.compress(_without_defaults(s)),
            lambda b: read(plain_d.decompress(b)),
        )
    )
    return candidates


def measure_formats(sample: list[BookingState], *, rounds: int = 9) -> list[Measured]:
    """Each candidate's bytes, and its best time over ``rounds``; each round times every candidate in turn, so a
    burst of load on the (shared) machine falls on all of them alike."""
    candidates = _candidates()
    blobs: list[list[bytes]] = []
    for name, encode, decode in candidates:
        blobs.append([encode(state) for state in sample])
        if [decode(blob) for blob in blobs[-1]] != sample:
            raise AssertionError(f"{name}: a state does not read back as saved")
    best = [[float("inf"), float("inf")] for _ in candidates]
    for _ in range(rounds):
        for (_, encode, decode), encoded, times in zip(candidates, blobs, best, strict=True):
            times[0] = min(times[0], _microseconds(encode, sample))
            times[1] = min(times[1], _microseconds(decode, encoded))
    return [
        (name, statistics.mean(map(len, encoded)), max(map(len, encoded)), encode_us, decode_us)
        for (name, _, _), encoded, (encode_us, decode_us) in zip(candidates, blobs, best, strict=True)
    ]


def main() -> None:
    sample = states()
    print(f"{len(sample):,} booking states; bytes stored, and µs per state (best of 9 rounds):")
    print(f"  {'format':<46} {'mean B':>7} {'max B':>6} {'encode':>7} {'decode':>7}")
    for name, mean, most, encode, decode in measure_formats(sample):
        print(f"  {name:<46} {mean:7.0f} {most:6d} {encode:7.1f} {decode:7.1f}")


if __name__ == "__main__":
    main()
