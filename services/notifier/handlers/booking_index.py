"""Bookings filed under their person's blocking keys: the store's index (``store.booking_index``), keyed the way
the matcher keys people (with fewer, wider keys: ``notifier.matching.keys``), so a lodged detainer searching with
``booking_search_keys`` finds its subject."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Sequence

from contracts import Person, RedisNames
from notifier.domain.custody import BookingState
from notifier.matching import (
    BOOKING_KEY_SCHEME,
    MatchRecord,
    booking_filing_keys,
    booking_scheme_change,
    booking_search_keys,
)
from runtime import RedisClient
from runtime.clock import Clock, utc_now
from store import booking_index

__all__ = ["BookingIndex", "filing_keys_of"]

_NONE: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


def filing_keys_of(state: BookingState) -> frozenset[str]:
    """The blocking keys a booking is filed under: its person's (none before a person is known)."""
    return booking_filing_keys(state.person) if state.person is not None else frozenset()


def scheme_change_of(state: BookingState) -> tuple[frozenset[str], frozenset[str]]:
    """The keys the index's former scheme filed a booking under and its current one does not, and the other way
    round."""
    return booking_scheme_change(state.person) if state.person is not None else _NONE


class BookingIndex(booking_index.BookingIndex[BookingState]):
    def __init__(
        self, client: RedisClient, names: RedisNames, *, retention_seconds: int, clock: Clock = utc_now
    ) -> None:
        super().__init__(client, names, keys_of=filing_keys_of, retention_seconds=retention_seconds, clock=clock)
        self._former_scheme_left = True  # until this notifier has seen every booking moved to the current keys

    def search_keys(self, person: Person | MatchRecord) -> frozenset[str]:
        """The keys a lodge looks under for its subject: with those only the former scheme filed under, until
        this notifier has seen every booking moved to the current scheme's (``refile_former_keys``)."""
        return booking_search_keys(person, former_scheme=self._former_scheme_left)

    def prepare(self, states: Iterable[BookingState]) -> None:
        """Each state's person's keys worked out now (kept for the people seen lately), for ``record`` to find."""
        for state in states:
            filing_keys_of(state)

    async def refile_former_keys(self, states: AsyncIterable[Sequence[tuple[BookingState, int | None]]]) -> int | None:
        """Move the bookings filed under the former scheme's keys to the current one's, once (``refile``); from
        then on lodges look under the current scheme's keys only."""
        moved = await self.refile(states, scheme_change_of, scheme=BOOKING_KEY_SCHEME)
        self._former_scheme_left = False
        return moved
