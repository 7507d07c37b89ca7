"""JSON kept small: deflated against a preset dictionary, behind a one-byte format marker.

A record of a few hundred bytes barely compresses on its own (deflate has nothing to refer back to yet); with a
preset dictionary of the words such records are made of (field names, punctuation, common values) it compresses
to a third. The marker names the dictionary: the dictionary is part of the stored format, so a record written
with it can always be read, and a better dictionary takes a new marker beside the old one. A record without a
marker is JSON as written before (it starts with ``{``), and is read as it is.

Measured against JSON without defaults, msgpack, zlib and zstd (with and without a dictionary) on the same
states: ``docs/performance.md``.
"""

from __future__ import annotations

import zlib

__all__ = ["CompactJson"]

# Raw deflate: no zlib header or checksum (Redis keeps the bytes as given). Records are small, so the encoder
# needs a window of 4 KiB (the dictionary and the record) and little memory: setting up a compressor of the
# default 32 KiB window and memory level took twice as long as compressing with this one, for the same bytes.
# The decoder reads any window up to 32 KiB, so the encoder's may change without a new format.
_ENCODE_WINDOW_BITS = -12
_DECODE_WINDOW_BITS = -15
_LEVEL = 9
_MEMORY_LEVEL = 4
_FORMER = b"{"  # a record stored as plain JSON, before the marker existed


class CompactJson:
    """One stored format: ``marker`` then the JSON deflated against ``dictionary``."""

    def __init__(self, marker: bytes, dictionary: bytes) -> None:
        if len(marker) != 1 or marker == _FORMER:
            raise ValueError("a format marker is one byte, and never '{' (plain JSON)")
        self._marker = marker
        self._dictionary = dictionary
        # A compressor with the dictionary set and nothing written yet: each record is deflated by a copy of it,
        # the same bytes as a compressor set up afresh, whose setting of the dictionary cost more than the copy.
        self._primed = zlib.compressobj(_LEVEL, zlib.DEFLATED, _ENCODE_WINDOW_BITS, _MEMORY_LEVEL, zdict=dictionary)

    def encode(self, json_data: bytes | str) -> bytes:
        """The record of ``json_data`` (JSON as bytes, or as text: the same record)."""
        compressor = self._primed.copy()
        data = json_data.encode() if isinstance(json_data, str) else json_data
        return self._marker + compressor.compress(data) + compressor.flush()

    def decode(self, stored: bytes) -> bytes:
        """The JSON of a stored record, in this format or as plain JSON (the former format)."""
        if stored[:1] == _FORMER:
            return stored
        if stored[:1] != self._marker:
            raise ValueError(f"not a record of this format (marker {stored[:1]!r})")
        decompressor = zlib.decompressobj(_DECODE_WINDOW_BITS, zdict=self._dictionary)
        json_data = decompressor.decompress(stored[1:])  # all of it: no limit was set, so nothing is left to flush
        if not decompressor.eof:
            raise ValueError("a stored record is cut short")
        return json_data
