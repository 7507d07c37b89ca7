"""JSON kept small: compressed against a preset dictionary, behind a one-byte format marker.

A record of a few hundred bytes barely compresses on its own (the compressor has nothing to refer back to yet);
with a preset dictionary of the words such records are made of (field names, punctuation, common values) it
compresses to a third or less. The marker names the compression and the dictionary, both part of the stored
format: a record written in a format can always be read, and a better one takes a new marker beside the old.
Records are written in one format and read in any the reader knows (``CompactJson``); a record without a marker
is JSON as written before markers existed (it starts with ``{``), and is read as it is.

Measured against JSON without defaults, msgpack, zlib and zstd (with and without a dictionary) on the same
states: ``docs/performance.md``.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import zstandard

__all__ = ["CompactJson", "DeflatedJson", "JsonFormat", "ZstdJson"]

_FORMER = b"{"  # a record stored as plain JSON, before the marker existed


class JsonFormat(Protocol):
    """One stored format: ``marker``, then the JSON compressed."""

    @property
    def marker(self) -> bytes: ...

    def encode(self, json_data: bytes) -> bytes:
        """The record of ``json_data``, marker first."""
        ...

    def decode(self, stored: bytes) -> bytes:
        """The JSON of a record of this format (marker first)."""
        ...


def _checked(marker: bytes) -> bytes:
    if len(marker) != 1 or marker == _FORMER:
        raise ValueError("a format marker is one byte, and never '{' (plain JSON)")
    return marker


# --- deflate (the standard library's zlib) ---------------------------------------

# Raw deflate: no zlib header or checksum (Redis keeps the bytes as given). Records are small, so the encoder
# needs a window of 4 KiB (the dictionary and the record) and little memory: setting up a compressor of the
# default 32 KiB window and memory level took twice as long as compressing with this one, for the same bytes.
# The decoder reads any window up to 32 KiB, so the encoder's may change without a new format.
_ENCODE_WINDOW_BITS = -12
_DECODE_WINDOW_BITS = -15
_LEVEL = 9
_MEMORY_LEVEL = 4


class DeflatedJson:
    """``marker`` then the JSON as raw deflate against ``dictionary``."""

    def __init__(self, marker: bytes, dictionary: bytes) -> None:
        self.marker = _checked(marker)
        self._dictionary = dictionary
        # A compressor with the dictionary set and nothing written yet: each record is deflated by a copy of it,
        # the same bytes as a compressor set up afresh, whose setting of the dictionary cost more than the copy.
        self._primed = zlib.compressobj(_LEVEL, zlib.DEFLATED, _ENCODE_WINDOW_BITS, _MEMORY_LEVEL, zdict=dictionary)

    def encode(self, json_data: bytes) -> bytes:
        compressor = self._primed.copy()
        return self.marker + compressor.compress(json_data) + compressor.flush()

    def decode(self, stored: bytes) -> bytes:
        decompressor = zlib.decompressobj(_DECODE_WINDOW_BITS, zdict=self._dictionary)
        json_data = decompressor.decompress(stored[1:])  # all of it: no limit was set, so nothing is left to flush
        if not decompressor.eof:
            raise ValueError("a stored record is cut short")
        return json_data


# --- zstd ------------------------------------------------------------------------------

# A zstd frame without what a record of known format needs not say: no magic number (the marker says it), no
# dictionary id (the marker names the dictionary), no content size (the frame ends where its last block says) and
# no checksum (Redis keeps the bytes as given). A window of 4 KiB (the dictionary and the record), and a greedy
# search of few candidates: for records of a few hundred bytes, within a few bytes of the deepest search zstd
# has, at a third of deflate's time (`python -m bench.state_formats`). The decoder reads any parameters, so these
# may change without a new format.
_ZSTD_PARAMETERS = zstandard.ZstdCompressionParameters(
    format=zstandard.FORMAT_ZSTD1_MAGICLESS,
    write_content_size=False,
    write_checksum=False,
    write_dict_id=False,
    strategy=zstandard.STRATEGY_GREEDY,
    window_log=12,
    hash_log=12,
    chain_log=12,
    search_log=4,
    min_match=4,
    target_length=0,
)


class ZstdJson:
    """``marker`` then the JSON as a zstd frame (``_ZSTD_PARAMETERS``) against ``dictionary``, its raw content.

    Not for several threads at once (a zstd context each, reused record after record)."""

    def __init__(self, marker: bytes, dictionary: bytes) -> None:
        self.marker = _checked(marker)
        words = zstandard.ZstdCompressionDict(dictionary, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        words.precompute_compress(compression_params=_ZSTD_PARAMETERS)  # digested once, not at each record
        self._compressor = zstandard.ZstdCompressor(dict_data=words, compression_params=_ZSTD_PARAMETERS)
        self._decompressor = zstandard.ZstdDecompressor(dict_data=words, format=zstandard.FORMAT_ZSTD1_MAGICLESS)

    def encode(self, json_data: bytes) -> bytes:
        return self.marker + self._compressor.compress(json_data)

    def decode(self, stored: bytes) -> bytes:
        decompressor = self._decompressor.decompressobj()
        json_data = decompressor.decompress(stored[1:])  # to the frame's end; bytes after it are left unread
        if not decompressor.eof:
            raise ValueError("a stored record is cut short")
        return json_data


class CompactJson:
    """Records written in one format, ``written``, and read in it, in any of ``read_too`` (by their markers), or
    as plain JSON (the format before markers)."""

    def __init__(self, written: JsonFormat, *read_too: JsonFormat) -> None:
        self._written = written
        self._readers = {format_.marker: format_ for format_ in (*read_too, written)}
        if len(self._readers) != 1 + len(read_too):
            raise ValueError("two formats with one marker")

    @property
    def marker(self) -> bytes:
        """The marker of the records written."""
        return self._written.marker

    def encode(self, json_data: bytes | str) -> bytes:
        """The record of ``json_data`` (JSON as bytes, or as text: the same record)."""
        return self._written.encode(json_data.encode() if isinstance(json_data, str) else json_data)

    def decode(self, stored: bytes) -> bytes:
        """The JSON of a stored record, in a format read here or as plain JSON (the former format)."""
        marker = stored[:1]
        if marker == _FORMER:
            return stored
        reader = self._readers.get(marker)
        if reader is None:
            raise ValueError(f"not a record of a format read here (marker {marker!r})")
        return reader.decode(stored)
