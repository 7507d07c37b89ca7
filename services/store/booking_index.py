"""Bookings by blocking key: how a newly lodged detainer finds its subject.

Every booking whose person we know is filed under that person's blocking
keys for as long as its state is kept: for good while the person is held,
until the retention ends after they left. A lodge therefore finds the
person in custody now and one who left recently, so the alerts for a
(detainer, booking) pair depend on the booking's state alone, never on
whether a source happened to re-send its events.

The keys are the matcher's own (``keys_of`` a state: the notifier passes
its matcher's blocking keys; a lodged detainer searches with the matcher's
search keys). Set names carry a digest of the blocking key, never a name or
an identifier. The index proposes candidates; the booking's stored state and
the matcher decide. Script: ``file_booking.lua``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Generic, TypeVar, cast

from contracts import RedisNames
from runtime import RedisClient
from runtime.clock import Clock, epoch_ms, utc_now
from runtime.scripts import ScriptCall
from store.bookings import BookingRecord
from store.scripts import SCRIPTS

__all__ = ["BookingIndex"]

State = TypeVar("State", bound=BookingRecord)


class BookingIndex(Generic[State]):
    def __init__(
        self,
        client: RedisClient,
        names: RedisNames,
        *,
        keys_of: Callable[[State], Collection[str]],
        retention_seconds: int,
        clock: Clock = utc_now,
    ) -> None:
        self._client = client
        self._names = names
        self._keys_of = keys_of
        self._retention_ms = retention_seconds * 1000
        self._clock = clock
        self._file = SCRIPTS.on(client, "file_booking")

    def _set_name(self, blocking_key: str) -> str:
        return self._names.bookings_by_blocking_key(hashlib.sha256(blocking_key.encode()).hexdigest()[:32])

    async def record(self, transitions: Sequence[tuple[State, State]]) -> None:
        """File and unfile bookings as their states went from ``before`` to ``after``."""
        now = epoch_ms(self._clock())
        calls: list[ScriptCall] = []
        for before, after in transitions:
            member = self._names.booking(*after.key)
            old, new = set(self._keys_of(before)), set(self._keys_of(after))
            expiry = "+inf" if after.in_custody else str(now + self._retention_ms)
            calls += [([self._set_name(key)], [member, "file", expiry, now]) for key in sorted(new)]
            calls += [([self._set_name(key)], [member, "unfile", "+inf", now]) for key in sorted(old - new)]
        await self._file.many(calls)

    async def bookings_filed_under(self, keys: Iterable[str]) -> list[str]:
        """Booking keys filed under any of ``keys`` and not expired."""
        wanted = list(keys)
        if not wanted:
            return []
        now = epoch_ms(self._clock())
        async with self._client.pipeline(transaction=False) as pipe:
            for blocking_key in wanted:
                pipe.zrangebyscore(self._set_name(blocking_key), now, "+inf")
            replies = cast(list[list[bytes]], await pipe.execute())
        return sorted({member.decode() for members in replies for member in members})
