"""Stream entry ids as bounds: ``<milliseconds>-<sequence>``, each part at most 2^64 - 1.

Reading a stream before or after an entry, exclusive of it, is XRANGE/XREVRANGE with ``(id``; nothing comes
before the first possible id or after the last one, and Redis would refuse those bounds.
"""

from __future__ import annotations

__all__ = ["FIRST_STREAM_ID", "LAST_STREAM_ID", "STREAM_ID_PART_MAX", "exclusive_after", "exclusive_before"]

STREAM_ID_PART_MAX = 2**64 - 1  # Redis keeps each part of an id as an unsigned 64-bit integer
FIRST_STREAM_ID = "0-0"
LAST_STREAM_ID = f"{STREAM_ID_PART_MAX}-{STREAM_ID_PART_MAX}"


def exclusive_before(stream_id: str) -> str | None:
    """The XREVRANGE upper bound for entries older than ``stream_id``; None when none can be."""
    return None if stream_id == FIRST_STREAM_ID else f"({stream_id}"


def exclusive_after(stream_id: str) -> str | None:
    """The XRANGE lower bound for entries newer than ``stream_id``; None when none can be."""
    return None if stream_id == LAST_STREAM_ID else f"({stream_id}"
