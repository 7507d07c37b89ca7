"""Booking states in Redis, one hash per booking, saved by compare-and-set.

Two notifiers may process events of the same booking at once (a booking and
its release in different batches). Each save names the version it read; a
save that lost the race is refused and the caller re-applies its events to
the newer state, so no fact is ever overwritten by a stale copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files

from contracts import RedisNames
from notifier.domain.custody import BookingState
from runtime import RedisClient
from runtime.scripts import ScriptCall, call_script_many

__all__ = ["BookingStore", "StoredBooking"]

_SAVE_SCRIPT = (files(__package__) / "save_booking.lua").read_text()

BookingKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class StoredBooking:
    state: BookingState
    version: int  # 0: never saved


class BookingStore:
    def __init__(self, client: RedisClient, names: RedisNames, *, retention_seconds: int) -> None:
        self._client = client
        self._names = names
        self._retention = retention_seconds
        self._save = client.register_script(_SAVE_SCRIPT)

    def key_of(self, booking: BookingKey) -> str:
        return self._names.booking(*booking)

    async def load_many(self, bookings: Iterable[BookingKey]) -> dict[BookingKey, StoredBooking]:
        wanted = list(dict.fromkeys(bookings))
        if not wanted:
            return {}
        async with self._client.pipeline(transaction=False) as pipe:
            for booking in wanted:
                pipe.hmget(self.key_of(booking), ["version", "state"])
            replies = await pipe.execute()
        loaded: dict[BookingKey, StoredBooking] = {}
        for booking, (version, state) in zip(wanted, replies, strict=True):
            if state is None:
                loaded[booking] = StoredBooking(BookingState.empty(*booking), 0)
            else:
                loaded[booking] = StoredBooking(BookingState.model_validate_json(state), int(version))
        return loaded

    async def load_keys(self, keys: Sequence[str]) -> list[BookingState]:
        """States stored under booking keys (as the in-custody index holds them); missing ones skipped."""
        if not keys:
            return []
        async with self._client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hget(key, "state")
            replies = await pipe.execute()
        return [BookingState.model_validate_json(raw) for raw in replies if raw is not None]

    async def save_many(self, changes: Sequence[tuple[StoredBooking, BookingState]]) -> list[bool]:
        """Save each new state over the stored one it was derived from; False where that one moved on."""
        calls: list[ScriptCall] = [
            (
                [self.key_of(new_state.key)],
                [
                    stored.version,
                    stored.version + 1,
                    new_state.model_dump_json(),
                    "" if new_state.in_custody else str(self._retention),
                ],
            )
            for stored, new_state in changes
        ]
        return [bool(reply) for reply in await call_script_many(self._client, self._save, calls)]
