"""Bookings filed under their person's blocking keys: the store's index (``store.booking_index``), keyed the way
the matcher keys people, so a lodged detainer searching with the matcher's search keys finds its subject."""

from __future__ import annotations

from contracts import RedisNames
from notifier.domain.custody import BookingState
from notifier.matching import blocking_keys
from runtime import RedisClient
from runtime.clock import Clock, utc_now
from store import booking_index

__all__ = ["BookingIndex", "filing_keys_of"]


def filing_keys_of(state: BookingState) -> frozenset[str]:
    """The blocking keys a booking is filed under: its person's (none before a person is known)."""
    return blocking_keys(state.person) if state.person is not None else frozenset()


class BookingIndex(booking_index.BookingIndex[BookingState]):
    def __init__(
        self, client: RedisClient, names: RedisNames, *, retention_seconds: int, clock: Clock = utc_now
    ) -> None:
        super().__init__(client, names, keys_of=filing_keys_of, retention_seconds=retention_seconds, clock=clock)
