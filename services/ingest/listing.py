"""Paging listings over HTTP: the ``limit`` and ``cursor`` parameters, and the cursor itself.

The cursor is opaque to clients: it encodes the last (score, id) served (``store.listings``), so pages stay
stable while new records arrive at the head.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

from ingest.problems import FieldError, Problem
from store.listings import ListingPage, ListingPosition

__all__ = ["Paging", "cursor_after", "paging", "position_of"]


CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"  # what _encode gives out: URL-safe base64 without padding (empty: the start)


@dataclass(frozen=True, slots=True)
class Paging:
    """`limit` and `cursor` query parameters, shared by every listing (``Depends(paging)``)."""

    limit: int
    cursor: str | None


async def paging(
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many per page.")] = 100,
    cursor: Annotated[
        str | None,
        Query(
            max_length=200,
            json_schema_extra={"pattern": CURSOR_PATTERN},  # checked by _decode, with its own message
            description="`next_cursor` of the page before.",
        ),
    ] = None,
) -> Paging:
    """The listing's paging parameters (a coroutine: FastAPI would run a class in its thread pool)."""
    return Paging(limit, cursor)


def _encode(score: float, member: str) -> str:
    return base64.urlsafe_b64encode(f"{int(score)}:{member}".encode()).decode().rstrip("=")


def position_of(cursor: str | None) -> ListingPosition | None:
    """Where the page after ``cursor`` starts (None: from the newest); a cursor this API did not give out is
    the caller's mistake, named."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        score, member = text.split(":", 1)
        return float(int(score)), member
    except (ValueError, UnicodeDecodeError):
        raise Problem(
            "validation-error",
            "The cursor is not one this API gave out.",
            errors=[FieldError("#/query/cursor", "is not a valid cursor")],
        ) from None


def cursor_after(page: ListingPage) -> str | None:
    """The cursor of the page after ``page`` (None after the last one)."""
    return None if page.last is None else _encode(*page.last)
