"""Stream entry ids as the API takes them: ``<milliseconds>-<sequence>``, each part at most 2^64 - 1.

Operators page through streams (`before`) and the live feed resumes after an id (`since`,
`Last-Event-ID`). A malformed id is the caller's mistake (422, naming the parameter); Redis would
refuse it with an error that reads as an outage. An id before every entry (``0-0`` as an upper bound)
is simply an empty page.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

__all__ = ["FIRST_STREAM_ID", "LAST_STREAM_ID", "STREAM_ID_PATTERN", "StreamId", "exclusive_after", "exclusive_before"]

_PART_MAX = 2**64 - 1  # Redis keeps each part of an id as an unsigned 64-bit integer
STREAM_ID_PATTERN = r"^[0-9]{1,20}-[0-9]{1,20}$"
FIRST_STREAM_ID = "0-0"
LAST_STREAM_ID = f"{_PART_MAX}-{_PART_MAX}"


def _check_range(value: str) -> str:
    milliseconds, sequence = value.split("-")
    if int(milliseconds) > _PART_MAX or int(sequence) > _PART_MAX:
        raise PydanticCustomError("stream_id_range", "each part of a stream id must be at most 18446744073709551615")
    return f"{int(milliseconds)}-{int(sequence)}"


StreamId = Annotated[str, StringConstraints(pattern=STREAM_ID_PATTERN), AfterValidator(_check_range)]
"""A stream entry id, e.g. ``1763812345678-0`` (normalised: no leading zeros)."""


def exclusive_before(stream_id: str) -> str | None:
    """The XREVRANGE upper bound for entries older than ``stream_id``; None when none can be."""
    return None if stream_id == FIRST_STREAM_ID else f"({stream_id}"


def exclusive_after(stream_id: str) -> str | None:
    """The XRANGE lower bound for entries newer than ``stream_id``; None when none can be."""
    return None if stream_id == LAST_STREAM_ID else f"({stream_id}"
