"""The notifier's bookings: the store's booking hashes (``store.bookings``), holding the notifier's own records (a
booking's custody state and people's decisions on it)."""

from __future__ import annotations

from contracts import RedisNames
from notifier.domain.custody import BookingState
from notifier.domain.reviews import BookingReview
from runtime import RedisClient
from store.bookings import BookingStore

__all__ = ["Bookings"]


class Bookings(BookingStore[BookingState, BookingReview]):
    def __init__(self, client: RedisClient, names: RedisNames, *, retention_seconds: int) -> None:
        super().__init__(
            client, names, state_type=BookingState, review_type=BookingReview, retention_seconds=retention_seconds
        )
