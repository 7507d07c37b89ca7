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
the matcher decide.

Each set is named under one of 256 hash tags (the digest's first two hex
digits), and a batch's filings are grouped by tag: one ``file_bookings.lua``
call per tag files and unfiles every booking of the batch under every key
of that tag, so a batch costs at most 256 script calls, in one pipeline.

Upgrading from the first layout (one untagged set per key): lookups read
the former names beside the tagged ones, and ``upgrade`` (the notifier runs
it before it reads) moves every former set's bookings to the tagged names,
never over a filing already there, then removes them from the former set
(which goes when empty). Former sets a notifier of the first layout fills
during a rolling deploy are found by the lookups and moved at the next
start.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
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

_UPGRADE_CHUNK = 500  # former sets moved per pipeline


class _Filings:
    """One batch's filings, grouped by hash tag: one ``file_bookings.lua`` call each."""

    def __init__(self, names: RedisNames) -> None:
        self._names = names
        self._by_tag: dict[str, tuple[dict[str, int], list[str | int | float]]] = defaultdict(lambda: ({}, []))

    def add(self, digest: str, member: str, op: str, expiry: str) -> None:
        sets, args = self._by_tag[digest[:2]]
        name = self._names.bookings_by_blocking_key(digest)
        position = sets.setdefault(name, len(sets) + 1)
        args += [position, member, op, expiry]

    def calls(self, now: int) -> list[ScriptCall]:
        return [(list(sets), [now, *args]) for sets, args in self._by_tag.values()]


def _digest(blocking_key: str) -> str:
    return hashlib.sha256(blocking_key.encode()).hexdigest()[:32]


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
        self._file = SCRIPTS.on(client, "file_bookings")

    async def record(self, transitions: Sequence[tuple[State, State]]) -> None:
        """File and unfile bookings as their states went from ``before`` to ``after``."""
        now = epoch_ms(self._clock())
        filings = _Filings(self._names)
        for before, after in transitions:
            member = self._names.booking(*after.key)
            old, new = set(self._keys_of(before)), set(self._keys_of(after))
            expiry = "+inf" if after.in_custody else str(now + self._retention_ms)
            for key in new:
                filings.add(_digest(key), member, "file", expiry)
            for key in old - new:
                filings.add(_digest(key), member, "unfile", "+inf")
        await self._file.many(filings.calls(now))

    async def bookings_filed_under(self, keys: Iterable[str]) -> list[str]:
        """Booking keys filed under any of ``keys`` and not expired (under the tagged names or the former)."""
        digests = [_digest(key) for key in keys]
        if not digests:
            return []
        now = epoch_ms(self._clock())
        async with self._client.pipeline(transaction=False) as pipe:
            for digest in digests:
                pipe.zrangebyscore(self._names.bookings_by_blocking_key(digest), now, "+inf")
                pipe.zrangebyscore(self._names.former_bookings_by_blocking_key(digest), now, "+inf")
            replies = cast(list[list[bytes]], await pipe.execute())
        return sorted({member.decode() for members in replies for member in members})

    async def upgrade(self) -> int:
        """Move every set of the former layout to its tagged name; answers how many former sets were found."""
        pattern = self._names.former_bookings_by_blocking_key("*")
        found: list[str] = []
        moved = 0
        async for raw in self._client.scan_iter(match=pattern, count=1000):
            name = raw.decode() if isinstance(raw, bytes) else str(raw)
            if "{" not in name:  # a tagged name matches the pattern too
                found.append(name)
            if len(found) >= _UPGRADE_CHUNK:
                moved += await self._move(found)
                found = []
        return moved + await self._move(found)

    async def _move(self, former: list[str]) -> int:
        if not former:
            return 0
        async with self._client.pipeline(transaction=False) as pipe:
            for name in former:
                pipe.zrange(name, 0, -1, withscores=True)
            contents = cast(list[list[tuple[bytes, float]]], await pipe.execute())
        filings = _Filings(self._names)
        for name, members in zip(former, contents, strict=True):
            digest = name.rsplit(":", 1)[1]
            for member, score in members:
                expiry = "+inf" if score == float("inf") else str(int(score))
                filings.add(digest, member.decode(), "keep", expiry)
        await self._file.many(filings.calls(epoch_ms(self._clock())))
        async with self._client.pipeline(transaction=False) as pipe:
            for name, members in zip(former, contents, strict=True):
                if members:
                    pipe.zrem(name, *(member for member, _ in members))
            await pipe.execute()
        return len(former)
